"""The program `reception`: the one module above every layer (db < app < widgets < wizards; devices
beside them). It only wires them together — see reception/launcher.py and docs/decisions/layers.md."""
