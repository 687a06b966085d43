"""Pre-orders (SPEC §7). A step of the split (issue 14 §7): the whole module moved here first, so that
`git log --follow` keeps its history; the next commit splits it into one module per dialog."""
from widgets.preorders import admin as _admin

globals().update({k: v for k, v in vars(_admin).items() if not k.startswith("__")})
