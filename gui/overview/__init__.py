"""The network overview: the whole network as one picture for one drawing (``widget``).

The input, every layer as a column of its outputs (``columns``: the data and its pictures;
``geometry``: where each thing goes), the connections and kernel of a selected map, and a zoom
from one pixel of a map into its arithmetic (``canvas`` paints and hit-tests it all).
"""
