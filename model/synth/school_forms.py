"""Named letter forms from published school scripts, added to the skeleton table.

Forms that writers taught German, French, Dutch or Nordic cursive, D'Nealian, Palmer or UK
print use and the plain skeletons lacked: cursive capitals, B/D/P/R written as a stem plus a
separate bowl stroke that starts left of the stem, crossed Z/z/q, a 7-style J, exit strokes
that leave from the top, stems running past the bowl, tall r stems and looped ascenders.
Paths use the notation of :mod:`model.synth.skeletons` (capitals in a 0..100 box; small
letters with x-height 40..100, ascenders up to 0, descenders down to 140). Each form has a
name so tests and contact sheets can check that every one is drawn.
"""

from __future__ import annotations

_BOWL = "82,50 55,40 20,46 2,72 18,96 48,100 80,78"

FORMS: dict[str, dict[str, str]] = {
    "B": {"B stem + separate bowls": "15,0 15,100; 0,5 45,0 72,8 74,26 50,46 10,48 / "
                                     "55,50 80,60 82,82 55,100 5,100"},
    "D": {"D stem + separate bowl": "15,0 15,100; 0,4 45,0 85,20 98,50 85,82 45,100 8,98"},
    "E": {"cursive E (looped middle)": "85,15 60,0 25,5 18,25 42,46 58,44 50,54 35,52 10,62 "
                                       "4,85 25,100 65,100 90,85"},
    "G": {"cursive G (descender loop)": "90,15 60,0 25,8 5,45 20,90 55,100 80,80 85,50 / "
                                        "82,110 65,136 42,140 36,122 60,106 95,100"},
    "H": {"cursive H": "5,15 15,2 25,8 / 25,100; 88,0 85,100 95,95; 10,60 40,48 85,50"},
    "J": {"cursive J (descender loop)": "0,45 25,10 55,0 85,2 90,12 70,20 55,40 48,80 "
                                        "40,112 28,135 12,138 8,124 25,106 60,92 90,82",
          "7-style J": "0,0 75,0 / 75,70 65,92 40,100 15,92 5,75"},
    "K": {"cursive K (looped arm)": "10,0 10,100; 85,5 70,10 40,40 15,52 25,58 40,50 / "
                                    "55,65 65,90 80,100 95,92"},
    "L": {"looped L": "80,8 62,0 45,10 40,40 32,80 15,98 2,92 10,84 35,94 60,100 95,92"},
    "M": {"rounded M": "0,100 8,30 20,2 32,6 42,40 48,100 / 56,30 70,2 84,6 94,40 100,100"},
    "N": {"rounded N": "0,100 5,40 18,5 30,8 45,50 60,92 75,100 90,85 100,0"},
    "P": {"P stem + separate bowl": "15,0 15,100; 0,5 50,0 80,12 82,32 55,50 12,52"},
    "R": {"R stem + separate bowl": "15,0 15,100; 0,5 50,0 80,12 82,32 55,50 15,52 / 90,100"},
    "S": {"cursive S (curled foot)": "92,14 70,0 40,2 20,15 25,35 55,50 80,68 82,88 "
                                     "60,100 25,100 5,86 16,76 30,84"},
    "W": {"rounded W": "0,0 5,60 20,95 35,100 48,80 50,40 / 52,80 65,100 80,95 95,60 100,0"},
    "Z": {"looped Z": "8,10 30,0 60,2 72,15 55,40 25,58 50,58 68,75 65,100 50,125 30,138 "
                      "15,130 25,115 60,105 95,110",
          "crossed Z (curved foot)": "5,5 95,0 / 5,100 30,92 60,100 95,95; 25,52 75,48"},
    "a": {"a stem above bowl": _BOWL + " / 84,33 / 84,100",
          "a stem below baseline": _BOWL + " / 82,40 / 84,112"},
    "b": {"b exit from the top": "0,0 2,98 / 40,100 72,90 80,70 65,48 35,45 15,60 40,62 "
                                 "70,52 100,46"},
    "d": {"d stem below baseline": _BOWL + " / 82,0 / 84,114",
          "looped d": _BOWL + " / 85,40 90,8 85,0 75,8 78,50 82,100 95,96"},
    "f": {"looped f": "10,75 35,45 48,10 55,2 50,0 42,8 38,40 36,100 34,135 26,142 18,132 "
                      "36,108 60,92; 10,52 62,50"},
    "h": {"looped h with lead-in": "5,80 25,35 30,8 20,0 10,8 8,50 8,100 / 12,70 30,48 "
                                   "55,42 72,55 72,100 85,98"},
    "k": {"looped k": "5,60 22,28 26,6 16,0 6,10 4,50 4,100 / 6,78 30,52 55,48 60,62 40,72 "
                      "15,74 / 40,82 55,100 72,96"},
    "o": {"o exit from the top": "60,42 25,45 4,68 15,94 48,100 82,92 96,68 85,48 62,40 "
                                "55,48 70,50 100,44"},
    "q": {"crossed q": _BOWL + " / 82,40 / 82,140; 65,122 100,118",
          "q stem above bowl": _BOWL + " / 84,33 / 82,140"},
    "r": {"r stem above arm": "0,26 0,100 / 0,62 20,45 45,40 70,45",
          "r tall stem, separate arm": "0,24 0,100; 0,60 22,42 50,40 68,48"},
    "t": {"looped t": "25,70 42,30 50,8 46,3 40,10 38,60 40,90 52,100 75,92; 15,45 72,42"},
    "v": {"v exit from the top": "0,40 22,80 40,100 / 62,68 78,44 90,40 / 82,52 100,50 "
                                 "115,44"},
    "w": {"w exit from the top": "0,40 18,100 / 45,55 / 70,100 / 92,42 / 85,55 105,52 "
                                 "120,45"},
    "z": {"crossed z (German)": "0,42 80,40 / 5,100 / 85,100 95,96; 15,72 70,68"},
}
