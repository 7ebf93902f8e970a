"""A plain sentence is added to tracebacks the embedded model misreads."""

from __future__ import annotations

from papercoder.verify.hints import hint

REPO = {"model", "data.loader", "main"}


def test_an_invented_name_from_a_package_is_called_what_it_is():
    error = "Traceback ...\nImportError: cannot import name 'GPT3_5' from 'transformers' (/x/transformers/__init__.py)"
    assert hint(error, REPO).startswith("The package `transformers` has no `GPT3_5`: remove that import")


def test_a_name_a_repository_file_lacks_names_the_file():
    error = "ImportError: cannot import name 'Trainer' from 'data.loader' (/repo/data/loader.py)"
    assert hint(error, REPO).startswith("The repository file for `data.loader` does not define `Trainer`")


def test_a_call_with_the_wrong_number_of_arguments():
    error = "TypeError: main() takes 0 positional arguments but 1 was given"
    assert hint(error, REPO) == ("`main()` is called with 1 positional arguments but defined with 0: make the call "
                                 "and the definition agree.")


def test_nothing_is_added_to_other_errors():
    assert hint("NameError: name 'x' is not defined", REPO) == ""


def test_what_the_smoke_run_meets_is_said_plainly():
    offline = ("OSError: We couldn't connect to 'https://huggingface.co' to load this file, couldn't find it in the "
               "cached files")
    assert hint(offline, REPO).startswith("The code runs without network: with `smoke`, never download")
    assert "AutoConfig.for_model" in hint(offline, REPO)
    missing = "FileNotFoundError: [Errno 2] No such file or directory: 'data/train.csv'"
    assert hint(missing, REPO).startswith("`data/train.csv` does not exist where the code runs")
    assert hint("Traceback ...\nKeyError: 'lr'", REPO) == ("config.yaml (or the dict read) has no key `lr`: read only "
                                                         "keys it has.")
