"""The till (Kassa). A step of the split (issue 14 §7): the whole module moved here first, so that
`git log --follow` keeps its history; the next commit splits it into one module per dialog and panel."""
from widgets.till import window as _window

globals().update({k: v for k, v in vars(_window).items() if not k.startswith("__")})
