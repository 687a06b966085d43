"""The till (Kassa), one module per window and dialog: `window` (TillWindow: the desk's open orders, the
chosen order's lines and the payment buttons), `cash` (Kontant), `confirm` (Kort, Swish, Faktura),
`cancel` (Makulera); `worker` runs the till's database calls off the UI thread, `receipt_files` says
where a receipt PDF is written."""
