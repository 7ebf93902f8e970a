"""The LaTeX reader: real arXiv sources, and small projects built here (inputs, macros, appendix, bbl)."""

from __future__ import annotations

import re
import tarfile
import zipfile
from pathlib import Path

import pytest

from papercoder.paper.errors import PaperReadError
from papercoder.paper.latex import read_latex, read_latex_path

PAPERS = Path(__file__).resolve().parents[1].parent / "shared" / "papers"


def _needs(path: Path):
    return pytest.mark.skipif(not path.is_file(), reason=f"{path} is absent (../shared/papers not checked out)")


def _headings(paper) -> list[str]:
    return [s.heading for s in paper.sections]


# ------------------------------------------------------------------------------------------ real papers
@_needs(PAPERS / "what-will-my-model-forget" / "source.tar.gz")
def test_icml_archive_with_input_chapters_algorithms_and_bbl():
    paper = read_latex_path(PAPERS / "what-will-my-model-forget" / "source.tar.gz")
    assert paper.format == "latex"
    assert paper.title == "What Will My Model Forget? Forecasting Forgotten Examples in Language Model Refinement"
    assert paper.abstract.startswith("Language models deployed in the wild make errors.")
    heads = _headings(paper)
    assert heads[:3] == ["1 Introduction", "2 Forecasting Forgotten Examples", "3 Methods"]
    assert "3.2 Logit-Change based Forecasting" in heads and "Impact Statement" in heads
    assert "D.1 Learning Rates in Model Refinement" in heads
    assert [s.heading for s in paper.appendix][0] == "A Comparison to non-replay model refinement methods"
    assert not any(s.appendix for s in paper.sections[: heads.index("Impact Statement") + 1])
    text = paper.to_markdown()
    assert "(Miller, 2017)" in text  # \cite redefined as \citep by the style file, labels from main.bbl
    assert "in Algorithms 1 and 2 in Appendix F" in text  # \ref resolved to the numbers the PDF shows
    assert "Algorithm 1: Training the logit-based forecasting model" in paper.captions
    assert "while $h$ has not converged do" in text  # algorithm2e rendered as pseudo-code
    assert any("\\tag{3}" in eq and "\\max" in eq for eq in paper.equations)
    assert len(paper.bibliography) == 51 and paper.bibliography[0].startswith("Aljundi, R., Belilovsky, E.")
    assert "Online continual learning with maximal interfered retrieval" not in text  # bibliography kept apart
    assert not any(name.endswith(".pdf") for name in text.split())


@_needs(PAPERS / "semantic-self-consistency" / "source.tar.gz")
def test_neurips_archive_with_tables_numeric_citations_and_checklist():
    paper = read_latex_path(PAPERS / "semantic-self-consistency" / "source.tar.gz")
    assert paper.title.startswith("Semantic Self-Consistency")
    heads = _headings(paper)
    assert "4.1.1 Centroid Proximity Weighting" in heads and "I.2.1 k-nearest neighbor results" in heads
    assert "NeurIPS Paper Checklist" in heads and "1. Claims" in heads  # bold-only list items read as headings
    assert "Proposed 4-shot on AQuA-RAT:" in heads  # a bold-only paragraph reads as a heading
    text = paper.to_markdown()
    assert "capabilities [3, 28, 24, 4]." in text  # natbib numbers option: numbered from the .bbl order
    assert "| Dataset | Method/Metric | Llama 2 7B | Mistral 7B | GPT 3.5 | Llama 3 8B | GPT-4o mini |" in text
    assert paper.tables[0].startswith("Table 1: Accuracy comparison")
    assert paper.captions[0].startswith("Figure 1: Whereas baseline self-consistency")
    assert "Answer: [Yes]" in text  # \answerYes{} from the conference style file
    assert len(paper.bibliography) == 35 and not any("tikz" in s.text for s in paper.sections)


@_needs(PAPERS / "transformer" / "paper.tex")
def test_a_lone_tex_fragment_without_documentclass_reads_well():
    paper = read_latex_path(PAPERS / "transformer" / "paper.tex")
    assert paper.title == "Attention Is All You Need"
    assert paper.abstract.startswith("The dominant sequence transduction models")
    heads = _headings(paper)
    assert "3.2.1 Scaled Dot-Product Attention" in heads and "6.3 English Constituency Parsing" in heads
    attention = next(s for s in paper.sections if s.heading == "3.2.1 Scaled Dot-Product Attention")
    assert attention.level == 3
    assert "\\mathrm{softmax}(\\frac{QK^T}{\\sqrt{d_k}})V \\tag{1}" in paper.equations[0]
    assert "$$" in attention.text and "[^1]:" in attention.text  # display math block and its footnote
    assert len(paper.tables) == 4 and paper.tables[0].startswith("Table 1:")
    assert "Figure 1: The Transformer - model architecture." in paper.captions


# ------------------------------------------------------------------------------------------ built projects
MAIN = r"""\documentclass{article}
\usepackage{mymacros}
\usepackage[numbers]{natbib}
\newcommand{\method}{\textsc{FooNet}\xspace}
\newcommand{\vect}[1]{\mathbf{#1}}
\renewcommand{\pair}[2][x]{(#1, #2)}
\def\R{\mathbb{R}}
\DeclareMathOperator*{\argmax}{arg\,max}
\newif\ifdraft
\draftfalse
\title{Learning with \method{}\thanks{Work done at X.}}
\begin{document}
\maketitle
\begin{abstract}
We propose \method, a model of $\vect{x} \in \R^d$. % a comment that must vanish
\end{abstract}
\input{sections/intro}
\include{sections/method.tex}
\bibliographystyle{plainnat}
\bibliography{refs}
\appendix
\section{Proofs}\label{app:proofs}
\subsection{Lemma}
The proof uses \pair{y} and \pair[z]{w}.
\end{document}
"""
INTRO = r"""\section{Introduction}\label{sec:intro}
We study \method and its cost~\cite{doe19}.
% \section{Commented out}
\iffalse Hidden draft text. \fi
\ifdraft DRAFT ONLY \else Final wording. \fi
\begin{comment}
Secret notes.
\end{comment}
\input{sections/deep/detail}
"""
DETAIL = r"""\subsection{Setting}
Details come from a deeper file; the method is in Section~\ref{sec:method} and Appendix~\ref{app:proofs}.
\input{sections/intro}
"""
METHOD = r"""\section{Method}\label{sec:method}
We minimise the loss of Eq.~\eqref{eq:loss}:
\begin{equation}
  \mathcal{L} = \argmax_\theta \|\vect{w}\|^2 \label{eq:loss}
\end{equation}
\begin{align*}
  a &= b
\end{align*}
\paragraph{Optimiser.} We use Adam\footnote{With default betas.} with \mymacro{} and $\eta = 10^{-3}$.
\begin{table}[t]
\caption{Results.}\label{tab:res}
\begin{tabular}{lcc}
\toprule
Model & Acc & F1 \\ \midrule
Ours & \textbf{95.1} & 0.9 \\
\bottomrule
\end{tabular}
\end{table}
\begin{itemize}
  \item First item, see Table~\ref{tab:res}.
  \item Second item.
\end{itemize}
\begin{figure}\includegraphics{plot.pdf}\caption{A plot.}\end{figure}
As \citet{smith20} showed~\citep{doe19,smith20}.
"""
BBL = r"""\begin{thebibliography}{2}
\providecommand{\natexlab}[1]{#1}
\bibitem[Doe(2019)]{doe19} J.~Doe. \newblock A study of caching. \newblock In \emph{Conf}, 2019.
\bibitem[Smith et~al.(2020)Smith and Lee]{smith20} A.~Smith and B.~Lee. \newblock Another study. 2020.
\end{thebibliography}
"""
STY = "\\newcommand{\\mymacro}{MyMacro}\n\\renewcommand{\\section}{\\@startsection{section}{1}{0pt}}\n"


def _project(root: Path) -> Path:
    (root / "sections" / "deep").mkdir(parents=True)
    (root / "main.tex").write_text(MAIN)
    (root / "sections" / "intro.tex").write_text(INTRO)
    (root / "sections" / "deep" / "detail.tex").write_text(DETAIL)
    (root / "sections" / "method.tex").write_text(METHOD)
    (root / "main.bbl").write_text(BBL)
    (root / "mymacros.sty").write_text(STY)
    (root / "plot.pdf").write_bytes(b"%PDF-1.4 binary")
    return root


def test_a_project_with_an_input_chain_macros_appendix_and_bbl(tmp_path):
    paper = read_latex_path(_project(tmp_path / "paper"))
    assert paper.title == "Learning with FooNet"
    assert paper.abstract == "We propose FooNet, a model of $\\mathbf{x} \\in \\mathbb{R}^d$."
    assert [(s.heading, s.level, s.appendix) for s in paper.sections] == [
        ("1 Introduction", 1, False), ("1.1 Setting", 2, False), ("2 Method", 1, False), ("Optimiser", 3, False),
        ("A Proofs", 1, True), ("A.1 Lemma", 2, True)]
    intro, setting, method, optimiser, _, lemma = paper.sections
    assert intro.text == "We study FooNet and its cost [1].\n\nFinal wording."
    assert "Section 2 and Appendix A" in setting.text
    assert any("cycle" in w and "sections/intro.tex" in w for w in paper.warnings)  # detail inputs intro again
    assert "Eq. (1):" in method.text
    assert paper.equations == ["\\mathcal{L} = \\operatorname*{arg\\,max}_\\theta \\|\\mathbf{w}\\|^2 \\tag{1}",
                               "a &= b"]
    assert "$$ \\mathcal{L} = " in method.text and "$$ a &= b $$" in method.text
    assert "| Model | Acc | F1 |\n| --- | --- | --- |\n| Ours | 95.1 | 0.9 |" in optimiser.text
    assert paper.tables == ["Table 1: Results.\n\n| Model | Acc | F1 |\n| --- | --- | --- |\n| Ours | 95.1 | 0.9 |"]
    assert paper.captions == ["Table 1: Results.", "Figure 1: A plot."]
    assert "- First item, see Table 1.\n- Second item." in optimiser.text
    assert "We use Adam[^1] with MyMacro and $\\eta = 10^{-3}$." in optimiser.text
    assert optimiser.text.endswith("[^1]: With default betas.")
    assert "As Smith et al. [2] showed [1, 2]." in optimiser.text
    assert lemma.text == "The proof uses (x, y) and (z, w)."
    assert paper.bibliography == ["J. Doe. A study of caching. In Conf, 2019.",
                                  "A. Smith and B. Lee. Another study. 2020."]
    body = paper.to_markdown()
    for absent in ("comment that must vanish", "Commented out", "Hidden draft", "DRAFT ONLY", "Secret notes",
                   "Another study", "plot.pdf"):
        assert absent not in body
    prose = re.sub(r"\$\$.*?\$\$|\$[^$\n]*\$", "", body, flags=re.DOTALL)
    assert not re.search(r"[\\{}]", prose)  # no LaTeX left outside math


def test_author_year_citations_without_the_numbers_option(tmp_path):
    root = _project(tmp_path / "paper")
    (root / "main.tex").write_text(MAIN.replace("\\usepackage[numbers]{natbib}", "\\usepackage{natbib}"))
    text = read_latex_path(root).to_markdown()
    assert "As Smith et al. (2020) showed (Doe, 2019; Smith et al., 2020)." in text
    assert "its cost Doe (2019)." in text  # natbib's \cite is textual in author-year mode


def test_the_same_project_reads_the_same_from_an_archive_and_from_memory(tmp_path):
    root = _project(tmp_path / "paper")
    archive = tmp_path / "paper.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(root, arcname=".")
    from_folder = read_latex_path(root)
    from_archive = read_latex_path(archive)
    files = {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}
    from_memory = read_latex(files, source="memory")
    assert from_folder.sections == from_archive.sections == from_memory.sections
    assert from_archive.source == str(archive)


def test_a_lone_tex_file_inputs_siblings_but_never_leaves_its_folder(tmp_path):
    root = tmp_path / "paper"
    root.mkdir()
    (tmp_path / "secret.tex").write_text("SECRET TEXT")
    (root / "part.tex").write_text("Included part.")
    (root / "main.tex").write_text("\\documentclass{article}\\begin{document}\\section{A}\\input{part}\n"
                                   "\\input{../secret}\\end{document}")
    paper = read_latex_path(root / "main.tex")
    assert paper.sections[0].text == "Included part."
    assert "SECRET" not in paper.to_markdown() and any("../secret" in w for w in paper.warnings)


def test_the_main_file_is_the_document_no_other_file_inputs(tmp_path):
    files = {
        "appendix.tex": b"\\documentclass{article}\\begin{document}\\section{Standalone appendix}" + b"x" * 9000 +
                        b"\\end{document}",
        "short.tex": b"\\documentclass{article}\\begin{document}\\section{Short}y\\end{document}",
        "other.tex": b"\\documentclass{article}\\begin{document}\\section{Big}" + b"z" * 5000 +
                     b"\\input{appendix}\\end{document}",
        "fragment.tex": b"\\section{Not a document}",
    }
    assert _headings(read_latex(files, source="p.zip")) == ["1 Big", "2 Standalone appendix"]
    files["main.tex"] = b"\\documentclass{article}\\begin{document}\\section{Main}\\end{document}"
    assert _headings(read_latex(files, source="p.zip")) == ["1 Main"]  # a conventional name wins over size


def test_an_archive_without_a_main_tex_is_refused_with_its_name(tmp_path):
    archive = tmp_path / "figures-only.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("fig.png", b"\x89PNG")
        zf.writestr("macros.tex", "\\newcommand{\\x}{y}")
    with pytest.raises(PaperReadError) as err:
        read_latex_path(archive)
    assert str(archive) in str(err.value) and "no main LaTeX file" in str(err.value)


def test_latin1_sources_are_read_and_undecodable_ones_name_the_file(tmp_path):
    root = tmp_path / "latin"
    root.mkdir()
    (root / "main.tex").write_bytes("\\documentclass{article}\\begin{document}\\section{Résumé}Café "
                                    "naïve.\\input{part}\\end{document}".encode("latin-1"))
    (root / "part.tex").write_bytes("Straße.".encode("latin-1"))
    paper = read_latex_path(root)
    assert paper.sections[0].heading == "1 Résumé" and paper.sections[0].text == "Café naïve.Straße."
    assert any("main.tex: not UTF-8; read as Latin-1" in w for w in paper.warnings)
    (root / "part.tex").write_bytes("\\section{第二节}这是一篇用中文写的论文，编码不是统一码。".encode("gbk") * 5)
    with pytest.raises(PaperReadError) as err:
        read_latex_path(root)
    assert "part.tex" in str(err.value) and "not UTF-8" in str(err.value) and "\n" not in str(err.value)


def test_algorithms_theorems_lists_and_code(tmp_path):
    tex = r"""\documentclass{article}
\newtheorem{theorem}{Theorem}[section]
\newtheorem{lemma}[theorem]{Lemma}
\begin{document}
\section{Method}
\begin{theorem}[Convergence]\label{thm:c} It converges. \end{theorem}
\begin{lemma} A lemma. \end{lemma}
By Theorem~\ref{thm:c} and Algorithm~\ref{alg:sgd}.
\begin{algorithm}
\caption{SGD}\label{alg:sgd}
\begin{algorithmic}[1]
\Require data $D$, rate $\eta$
\For{$t = 1$ to $T$}
  \State $\theta \gets \theta - \eta g_t$ \Comment{step}
  \If{converged}
    \State \Return $\theta$
  \EndIf
\EndFor
\end{algorithmic}
\end{algorithm}
\begin{enumerate}
\item One
\item Two \begin{itemize} \item nested \end{itemize}
\end{enumerate}
\begin{description}\item[Term] its meaning\end{description}
\begin{lstlisting}[language=Python]
def f(x):  # 100% sure
    return x
\end{lstlisting}
Inline \verb|a_b%c| and \url{https://example.org/a_b}.
\end{document}
"""
    (tmp_path / "main.tex").write_text(tex)
    text = read_latex_path(tmp_path / "main.tex").sections[0].text
    assert "**Theorem 1.1 (Convergence).** It converges." in text and "**Lemma 1.2.** A lemma." in text
    assert "By Theorem 1.1 and Algorithm 1." in text
    assert ("Algorithm 1: SGD\n\n```text\nRequire: data $D$, rate $\\eta$\nfor $t = 1$ to $T$ do\n"
            "  $\\theta \\gets \\theta - \\eta g_t$ ▷ step\n  if converged then\n    return $\\theta$\n"
            "  end if\nend for\n```") in text
    assert "1. One\n2. Two\n\n   - nested" in text and "- **Term** its meaning" in text
    assert "```python\ndef f(x):  # 100% sure\n    return x\n```" in text
    assert "Inline `a_b%c` and https://example.org/a_b." in text
