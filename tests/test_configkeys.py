from papercoder import configkeys

CONFIG = configkeys.load("training:\n  lr: 0.1\n  epochs: 3\nmodel:\n  hidden: [128, 128]\nseed: 0\n")


def test_spec_references():
    spec = "Reads `training.lr`, `training.momentum`, `model.hidden`, `torch.nn.Linear` and `seed`."
    assert configkeys.unknown_in_spec(spec, CONFIG) == ["training.momentum"]
    files = "Imports `model.py` and `training.py`; saves `model.pt`; see `model.layers`."
    assert configkeys.unknown_in_spec(files, CONFIG, exclude=["training.py"]) == ["model.layers"]


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
