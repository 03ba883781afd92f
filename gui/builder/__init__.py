"""The layer builder: palette, layer table, property editor, diagram, undoable edits
(``commands``), files and the Python code view.
"""
