from papercoder import configkeys

CONFIG = configkeys.load("training:\n  lr: 0.1\n  epochs: 3\nmodel:\n  hidden: [128, 128]\nseed: 0\n")


def test_spec_references():
    spec = "Reads `training.lr`, `training.momentum`, `model.hidden`, `torch.nn.Linear` and `seed`."
    assert configkeys.unknown_in_spec(spec, CONFIG) == ["training.momentum"]
    files = "Imports `model.py` and `training.py`; saves `model.pt`; see `model.layers`."
    assert configkeys.unknown_in_spec(files, CONFIG, exclude=["training.py"]) == ["model.layers"]
    classes = "Uses `model.Model`, `training.Trainer` and `model.depth`."  # seen on What Will My Model Forget
    assert configkeys.unknown_in_spec(classes, CONFIG, exclude=["model.py", "training.py"]) == ["model.depth"]


def test_code_references():
    code = (
        "def f(config, cfg):\n"
        "    a = config['training']['lr']\n"
        "    b = cfg.get('training', {}).get('batch_size', 32)\n"
        "    c = config['model']['hidden'][0]\n"
        "    d = self_config = config['training']['epochs']\n"
        "    e = other['training']['nope']\n"
        "    f = self.config['optimizer']\n"
    )
    assert configkeys.unknown_in_code(code, CONFIG) == ["training.batch_size", "optimizer"]
    assert configkeys.unknown_in_code("def broken(:", CONFIG) == []
    assert "model.hidden" in configkeys.flat_keys(CONFIG)


def test_reads_from_a_section_of_the_config():
    """Seen on SSC with the embedded model: the code read each section into a name, then keys from it; every
    key existed, yet the check took the section for the whole config and rejected three good files."""
    code = (
        "class Config:\n"
        "    def __init__(self, config_data, model_config):\n"
        "        data_config_data = config_data.get('training')\n"
        "        self.lr = data_config_data.get('lr', 0.1)\n"
        "        self.bad = data_config_data['momentum']\n"
        "        self.hidden = model_config['hidden']\n"
        "        self.seed = config_data['seed']\n"
        "        self.typo = model_config['hiddden']\n"
        "        self.wrong = config_data['training']['hidden']\n"
    )
    assert configkeys.unknown_in_code(code, CONFIG) == ["training.momentum", "hiddden", "training.hidden"]


def test_a_missing_key_comes_with_where_the_config_holds_it():
    """Seen on What Will My Model Forget: `model.name` read where config.yaml has `model.bart0.name`."""
    import pytest
    from papercoder.agents.coder_checks import make_parser

    from papercoder.llm import AnswerError
    from papercoder.llm.answers import Reply

    config = configkeys.load("model:\n  bart0:\n    name: BART0\n  flan_t5:\n    name: FLAN-T5\ntraining:\n  lr: 1\n")
    assert configkeys.nearest(config, "model.name") == ["model.bart0.name", "model.flan_t5.name"]
    assert configkeys.nearest(config, "training.lrr")[0] == "training.lr"
    assert configkeys.nearest(config, "zzz.qqq") == []
    parse = make_parser("data.py", config, {}, [])
    with pytest.raises(AnswerError, match=r"model.name \(config.yaml has model.bart0.name / model.flan_t5.name\)"):
        parse(Reply(text="```python\ndef f(config):\n    return config['model']['name']\n```", parsed=None,
                    finish_reason="stop", last=False))


def test_a_key_read_by_its_synonym_is_renamed_to_the_sections_one_name_for_it():
    """Seen on What Will My Model Forget: `training.lr` and `training.epochs` read, the section's names differing."""
    config = configkeys.load("training:\n  learning_rate: 0.1\n  num_epochs: 3\n  n_epochs: 4\n"
                             "model:\n  a:\n    name: x\n  b:\n    name: y\n")
    code = ("def f(config, opt):\n"
            "    lr = config['training']['lr']\n"
            "    e = config[\"training\"].get(\"epochs\", 1)\n"
            "    opt.param_groups[0]['lr'] = lr\n"
            "    return config['model']['name'], e\n")
    fixed, changes = configkeys.rename_synonyms(code, config)
    assert "config['training']['learning_rate']" in fixed and "param_groups[0]['lr']" in fixed
    assert 'get("epochs", 1)' in fixed  # two synonyms in the section: which one is a guess
    assert changes == ["config key training.lr read as training.learning_rate (the section's name for it)"]
    assert configkeys.unknown_in_code(fixed, config) == ["training.epochs", "model.name"]
    assert configkeys.rename_synonyms("def broken(:", config) == ("def broken(:", [])


def test_the_coder_is_not_asked_again_for_a_key_with_one_synonym(scripted, paper_file):
    import json
    from pathlib import Path

    from papercoder import build_graph

    script, model, context = scripted
    script.code_overrides["main.py"] = [
        "```python\nimport yaml\n\n\ndef main():\n    config = yaml.safe_load(open('config.yaml'))\n"
        "    return config['training']['learning_rate']\n\n\nmain()\n```"]
    ctx = context()
    build_graph().compile().invoke({"paper": str(paper_file)}, context=ctx)
    out = Path(ctx.out_dir)
    assert "config['training']['lr']" in (out / "repo/main.py").read_text()
    run = json.loads((out / "run.json").read_text())
    assert not [e for e in run["errors"] if e["kind"] == "reask" and e["file"] == "main.py"]
    assert any(e["kind"] == "autofix" and "training.learning_rate read as training.lr" in e["problem"]
               for e in run["errors"])


def test_a_spec_naming_a_keys_synonym_gets_the_sections_one_name_for_it():
    """Seen on the Transformer: an analyst named `training.learning_rate` where config.yaml has `training.lr`."""
    config = configkeys.load("training:\n  lr: 0.1\n  num_epochs: 3\n  n_epochs: 4\n")
    spec = "Reads `training.learning_rate` and `training.epochs`; sets `training.learning_rate` once."
    keys = configkeys.unknown_in_spec(spec, config)
    fixed, changes = configkeys.rename_synonyms_in_spec(spec, keys, config)
    assert fixed == "Reads `training.lr` and `training.epochs`; sets `training.lr` once."
    assert changes == ["training.learning_rate -> training.lr"]  # epochs: two synonyms, so no guess
    assert configkeys.unknown_in_spec(fixed, config) == ["training.epochs"]


def test_the_analyst_is_not_asked_again_for_a_key_with_one_synonym(scripted, paper_file):
    import json
    from pathlib import Path

    from papercoder import build_graph

    script, model, context = scripted
    inner = script.__call__

    def with_spec(messages):
        if "implementation spec for one file: `model.py`" in str(messages[-1].content):
            return "Builds the model and reads `training.learning_rate` for its optimiser. " * 2
        return inner(messages)

    model.script = with_spec
    ctx = context()
    build_graph().compile().invoke({"paper": str(paper_file)}, context=ctx)
    out = Path(ctx.out_dir)
    assert "`training.lr`" in (out / "artifacts/analysis/model.py.md").read_text()
    run = json.loads((out / "run.json").read_text())
    assert not [e for e in run["errors"] if e["kind"] == "reask" and e["file"] == "model.py"
                and e["stage"] == "analyst"]
    assert any(e["kind"] == "config_key_renamed" and "training.learning_rate -> training.lr" in e["problem"]
               for e in run["errors"])
