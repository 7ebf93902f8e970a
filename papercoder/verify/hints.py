"""One plain sentence about an error a small model misreads, added to the traceback it is shown.

The embedded model, shown ``ImportError: cannot import name 'GPT3_5' from 'transformers'``, tends to import the
same invented name again (seen on Semantic Self-Consistency); saying what the error means outright helps it.
"""

from __future__ import annotations

import re

_CANNOT_IMPORT = re.compile(r"ImportError: cannot import name '([^']+)' from '([^']+)'")
_TAKES = re.compile(r"TypeError: (\w+)\(\) takes (\d+) positional arguments? but (\d+) (?:was|were) given")
_NO_ATTRIBUTE = re.compile(r"AttributeError: module '([^']+)' has no attribute '([^']+)'")
_OFFLINE = re.compile(r"huggingface\.co|couldn't connect|LocalEntryNotFoundError|Temporary failure in name resolution|"
                      r"Failed to resolve|urlopen error|ConnectionError|Network is unreachable|MaxRetryError|"
                      r"offline mode", re.IGNORECASE)
_NO_FILE = re.compile(r"FileNotFoundError: .*?'([^']+)'")
_KEY = re.compile(r"^KeyError: '([^']+)'", re.MULTILINE)

TINY_MODEL = ('AutoModelForCausalLM.from_config(AutoConfig.for_model("gpt2", n_layer=1, n_head=2, n_embd=32, '
              'vocab_size=100))')


def hint(error: str, repo_modules: set[str]) -> str:
    """A sentence explaining the last line of ``error``, or ``""`` when there is nothing to add.

    Args:
        error: The traceback text.
        repo_modules: Module names of the repository's own files (``data.loader`` for ``data/loader.py``).
    """
    if m := _CANNOT_IMPORT.search(error):
        name, module = m.groups()
        if module.split(".")[0] not in {r.split(".")[0] for r in repo_modules}:
            return (f"The package `{module}` has no `{name}`: remove that import and write what you need "
                    f"yourself, or use a name `{module}` really has.")
        return (f"The repository file for `{module}` does not define `{name}`: import only the names it "
                f"defines, or define `{name}` in this file.")
    if m := _TAKES.search(error):
        function, takes, given = m.groups()
        return (f"`{function}()` is called with {given} positional arguments but defined with {takes}: make "
                f"the call and the definition agree.")
    if m := _NO_ATTRIBUTE.search(error):
        module, name = m.groups()
        return f"`{module}` has no `{name}`: use a name it really has, or write it yourself."
    return _runtime_hint(error)


def _runtime_hint(error: str) -> str:
    """Sentences for what the smoke run meets: no network, no data files, config keys that are not there."""
    if _OFFLINE.search(error):
        return ("The code runs without network: with `smoke`, never download a model, tokenizer or dataset; "
                f"build a tiny model from a config instead (for example `{TINY_MODEL}`) and a few random "
                "examples.")
    if m := _NO_FILE.search(error):
        return (f"`{m.group(1)}` does not exist where the code runs: with `smoke`, make a few random examples in "
                "code instead of reading data files.")
    if m := _KEY.search(error):
        return f"config.yaml (or the dict read) has no key `{m.group(1)}`: read only keys it has."
    return ""
