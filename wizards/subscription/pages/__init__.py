"""Pages of the subscription wizards: the subscription table, Frysningsorsak, the Period pages,
Sök kund (Överlåt) and Bekräfta."""
