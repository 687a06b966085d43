"""Pre-orders (SPEC §7), one module per dialog: `admin` (Administrera förbeställningar), `add` (Lägg till
förbeställning), `importing` (Importera förbeställningar, with its preview model); `models` holds the
pre-order table and its filter, `common` the worker thread (`TaskRunner`) and the table, date and message
helpers that the organisation card, the organisation search and the register import use too."""
