r"""Tables of the LaTeX text-mode vocabulary the converter knows: symbols, accents, commands to drop or unwrap."""

from __future__ import annotations

import re
import unicodedata

SYMBOLS = {
    "ldots": "…", "dots": "…", "textellipsis": "…", "textendash": "–", "textemdash": "—", "textquoteleft": "‘",
    "textquoteright": "’", "textquotedblleft": "“", "textquotedblright": "”", "textasciitilde": "~",
    "textbackslash": "\\", "textbar": "|", "textless": "<", "textgreater": ">", "textunderscore": "_",
    "textasciicircum": "^", "copyright": "©", "textcopyright": "©", "S": "§", "P": "¶", "dag": "†", "ddag": "‡",
    "textdagger": "†", "textdaggerdbl": "‡", "textregistered": "®", "texttrademark": "™", "textbullet": "•",
    "textdegree": "°", "textperiodcentered": "·", "pounds": "£", "texteuro": "€", "euro": "€", "textsection": "§",
    "LaTeX": "LaTeX", "TeX": "TeX", "LaTeXe": "LaTeX2e", "BibTeX": "BibTeX", "XeTeX": "XeTeX", "ss": "ß",
    "o": "ø", "O": "Ø", "ae": "æ", "AE": "Æ", "aa": "å", "AA": "Å", "oe": "œ", "OE": "Œ", "l": "ł", "L": "Ł",
    "i": "ı", "j": "ȷ", "checkmark": "✓", "cmark": "✓", "xmark": "✗", "times": "×", "textpm": "±", "textmu": "µ",
    "textonehalf": "½", "textquotesingle": "'", "guillemotleft": "«", "guillemotright": "»", "slash": "/",
    "textminus": "−", "textdiv": "÷", "textrightarrow": "→", "textleftarrow": "←", "textasteriskcentered": "*",
    "quad": " ", "qquad": " ", "enspace": " ", "thinspace": " ", "space": " ", "nobreakspace": " ",
    "hfill": " ", "hfil": " ", "dotfill": " ", "hrulefill": " ", "newblock": " ", "and": ", ", "And": ", ",
    "AND": ", ", "today": "", "xspace": "", "@": "", "relax": "", "protect": "", "null": "", "noindent": "",
    "indent": "", "centering": "", "raggedright": "", "raggedleft": "", "par": "\n\n", "smallskip": "\n\n",
    "medskip": "\n\n", "bigskip": "\n\n", "newpage": "\n\n", "clearpage": "\n\n", "cleardoublepage": "\n\n",
    "pagebreak": "\n\n", "hrule": "\n\n", "hline": "", "toprule": "", "midrule": "", "bottomrule": "",
    "maketitle": "", "tableofcontents": "", "listoffigures": "", "listoftables": "", "FloatBarrier": "",
    "balance": "", "sloppy": "", "fussy": "", "strut": "", "onecolumn": "", "nobreak": "", "linebreak": " ",
    "nolinebreak": "", "allowbreak": "", "break": "", "leavevmode": "", "makeatletter": "", "makeatother": "",
    "frenchspacing": "", "normalfont": "", "selectfont": "", "appendixpage": "", "addappheadtotoc": "",
    "endhead": "", "endfirsthead": "", "endfoot": "", "endlastfoot": "", "tabularnewline": "\n",
    "ignorespaces": "", "unskip": "", "mbox": "", "footnotemark": "", "columnbreak": "", "vfill": "\n\n",
    "vfil": "\n\n", "eject": "\n\n", "noalign": "", "newline": "\x04", "crcr": "", "cr": "",
}
DECLARATIONS = frozenset({
    "bf", "it", "em", "rm", "sf", "tt", "sc", "sl", "bfseries", "itshape", "mdseries", "upshape", "ttfamily",
    "rmfamily", "sffamily", "scshape", "slshape", "emph", "normalsize", "small", "footnotesize", "scriptsize", "tiny",
    "large", "Large", "LARGE", "huge", "Huge", "boldmath", "unboldmath",
})
BOLD_DECLARATIONS = frozenset({"bf", "bfseries"})
ACCENTS = {
    "'": "\u0301", "`": "\u0300", "^": "\u0302", '"': "\u0308", "~": "\u0303", "=": "\u0304", ".": "\u0307",
    "u": "\u0306", "v": "\u030c", "H": "\u030b", "c": "\u0327", "d": "\u0323", "b": "\u0331", "r": "\u030a",
    "k": "\u0328", "t": "\u0361",
}
CONTROL_SYMBOLS = {
    "%": "%", "&": "&", "#": "#", "_": "_", "$": "\\$", "{": "{", "}": "}", " ": " ", ",": " ", ";": " ", ":": " ",
    "!": "", "-": "", "/": "", "@": "", "\n": " ", "\t": " ", "|": "‖", "*": "",
}
UNWRAP = frozenset({
    "textbf", "textit", "emph", "texttt", "textsc", "textrm", "textsf", "textsl", "textup", "textmd", "textnormal",
    "underline", "uline", "uuline", "ul", "hl", "mbox", "hbox", "text", "textsuperscript", "textsubscript",
    "centerline", "nolinkurl", "fbox", "boxed", "sout", "xout", "strong", "textbfit", "textls", "lowercase",
    "uppercase", "MakeUppercase", "MakeLowercase", "MakeTextUppercase", "vtop", "vbox", "smash", "enquote",
    "cancel", "st", "shortstack", "makecell", "Centerstack", "thead", "tsc", "caps", "textssc",
})
# Commands shown as their last argument: name -> argument spec.
LAST = {
    "textcolor": "[{{", "colorbox": "[{{", "fcolorbox": "{{{", "resizebox": "*{{{", "scalebox": "{[{",
    "rotatebox": "[{{", "foreignlanguage": "[{{", "raisebox": "{[[{", "parbox": "[[[{{", "makebox": "[[{",
    "framebox": "[[{", "adjustbox": "{{", "hyperlink": "{{", "hypertarget": "{{", "hyperref": "[{",
    "stackon": "[{{", "stackunder": "[{{", "llap": "{", "rlap": "{", "clap": "{", "multirow": "[{[{[{",
    "multicolumn": "{{{", "subcaptionbox": "{{", "sidecaption": "{", "tablefootnote": "{",
}
BOLD_UNWRAP = frozenset({"textbf", "textbfit", "strong"})
# Commands whose arguments carry no text for the reader: name -> argument spec (see latex_scan.read_args).
DROP = {
    "label": "{", "vspace": "*{", "hspace": "*{", "includegraphics": "*[{", "bibliographystyle": "{",
    "setlength": "{{", "addtolength": "{{", "setcounter": "{{", "addtocounter": "{{", "stepcounter": "{",
    "refstepcounter": "{", "pagestyle": "{", "thispagestyle": "{", "usepackage": "[{[", "RequirePackage": "[{[",
    "documentclass": "[{[", "color": "[{", "definecolor": "{{{", "colorlet": "{{", "hypersetup": "{",
    "graphicspath": "{", "captionsetup": "[{", "nocite": "{", "theoremstyle": "{", "newcolumntype": "{[{",
    "urlstyle": "{", "setcitestyle": "{", "crefname": "{{{", "Crefname": "{{{", "newlength": "{",
    "settowidth": "{{", "addcontentsline": "{{{", "phantom": "{", "hphantom": "{", "vphantom": "{",
    "rule": "[{{", "cline": "{", "cmidrule": "({", "specialrule": "{{{", "addlinespace": "[", "arrayrulecolor": "{",
    "rowcolor": "[{", "cellcolor": "[{", "columncolor": "[{", "rowcolors": "{{{", "marginpar": "[{", "todo": "[{",
    "missingfigure": "[{", "numberwithin": "{{", "pdfbookmark": "[{{", "bookmark": "[{", "hyphenation": "{",
    "linespread": "{", "fontsize": "{{", "fontfamily": "{", "usetikzlibrary": "{", "pgfplotsset": "{",
    "tikzset": "{", "sisetup": "{", "lstset": "{", "setminted": "[{", "declaretheorem": "[{",
    "DeclareFloatingEnvironment": "[{", "newfloat": "{{{", "floatname": "{{", "restylefloat": "{",
"enlargethispage": "*{", "setstretch": "{", "titleformat": "*{[{{{{[",
    "titlespacing": "*{{{{", "geometry": "{", "newgeometry": "{", "twocolumn": "[", "bibliography": "{",
    "printbibliography": "[", "addbibresource": "[{", "icmlsetsymbol": "{{", "printAffiliationsAndNotice": "{",
    "vskip": "", "hskip": "", "kern": "", "penalty": "", "looseness": "", "tolerance": "", "vss": "",
    "hss": "", "abovedisplayskip": "", "belowdisplayskip": "", "baselineskip": "", "parskip": "",
    "iclrfinalcopy": "", "raggedbottom": "", "flushbottom": "",
    "pagenumbering": "{", "newcounter": "{[", "ExecuteBibliographyOptions": "[{", "nolinenumbers": "",
    "linenumbers": "", "zihao": "{", "patchcmd": "{{{{{", "AtBeginDocument": "{", "AtEndDocument": "{",
    "acmConference": "[{{{", "acmYear": "{", "acmDOI": "{", "acmISBN": "{", "setcopyright": "{",
    "copyrightyear": "{", "acmPrice": "{", "settopmatter": "{", "ccsdesc": "[{", "CCSXML": "",
}
_DIMENSION = re.compile(r"\s*=?\s*-?\s*(?:\d+\.?\d*|\.\d+)\s*(?:true)?\s*(?:pt|em|ex|in|cm|mm|bp|sp|pc|dd|cc|mu|"
                        r"\\[A-Za-z]+)?(?:\s*plus\s*-?[\d.]+\s*(?:pt|em|ex|fil+|\\[A-Za-z]+)?)?"
                        r"(?:\s*minus\s*-?[\d.]+\s*(?:pt|em|ex|fil+|\\[A-Za-z]+)?)?")
PRIMITIVES_WITH_NUMBER = frozenset({
    "vskip", "hskip", "kern", "penalty", "looseness", "tolerance", "abovedisplayskip", "belowdisplayskip",
    "baselineskip", "parskip", "arraystretch", "tabcolsep", "itemsep", "topsep", "parsep", "columnsep",
    "textfloatsep", "floatsep", "intextsep", "abovecaptionskip", "belowcaptionskip", "parindent", "hsize",
})
METADATA = re.compile(r"author|affil|address|email|institut|keyword|orcid|thanks|runningtitle|titlerunning|"
                      r"shorttitle|^date$|correspond|equalcontrib|^icml|^IEEEauthor|^IEEEmembership|"
                      r"^IEEEpeerreview|^IEEEoverride|^IEEEspecialpapernotice|^name$|^editor|"
                      r"^received|^accepted|^published|^dedicat|^subjclass|^jmlr|^pdfinfo|title$|^begin@",
                      re.IGNORECASE)
SECTIONS = {"part": 1, "chapter": 1, "section": 1, "subsection": 2, "subsubsection": 3, "paragraph": 4,
            "subparagraph": 5}
CITES = re.compile(r"^(?:[Cc]ite[a-zA-Z]*|[Pp]arencite|[Tt]extcite|[Aa]utocite|[Ff]ootcite|[Ss]martcite|"
                   r"[Ss]upercite|nocite)$")
REFS = {"ref": "r", "eqref": "e", "cref": "c", "Cref": "c", "autoref": "c", "Autoref": "c", "vref": "c",
        "nameref": "n", "pageref": "p", "cpageref": "p", "Cpageref": "p", "labelcref": "r", "subref": "r",
        "thmref": "r", "prettyref": "c", "fullref": "c", "crefrange": "c", "Crefrange": "c"}


def accent(mark: str, letter: str) -> str:
    r"""A letter with a LaTeX accent, composed (``\'e`` -> ``é``)."""
    combining = ACCENTS.get(mark)
    if not letter:
        return ""
    base = {"\\i": "i", "\\j": "j"}.get(letter, letter)
    if combining is None:
        return base
    return unicodedata.normalize("NFC", base[0] + combining + base[1:])


def skip_dimension(s: str, i: int) -> int:
    """Skip a TeX number or dimension (``0.3in``, ``-2pt plus 1pt``) after a primitive."""
    m = _DIMENSION.match(s, i)
    return m.end() if m and m.end() > i and re.search(r"\d", m.group(0)) else i
