import importlib.util

import pytest

pytest.importorskip("transformers", reason="needs the llm extra: pip install 'cogym[llm]'")

from cogym.agents.backends import load_backend
from cogym.agents.backends.transformers_backend import TransformersBackend
from cogym.core.errors import CogymError
from cogym.serve import make_server


def test_a_path_loads_a_transformers_backend(tiny_model_dir):
    backend = load_backend(str(tiny_model_dir), device="cpu")
    assert isinstance(backend, TransformersBackend) and backend.name == tiny_model_dir.name


def test_openai_prefix_talks_to_a_server(tiny_backend):
    with make_server(tiny_backend, port=0, model_name="tiny").start() as server:
        backend = load_backend(f"openai:{server.url}")
        assert backend.name == "tiny"
        backend.close()


@pytest.mark.skipif(importlib.util.find_spec("vllm") is not None, reason="vLLM is installed")
def test_vllm_without_vllm_says_how_to_install_it():
    with pytest.raises(CogymError, match=r"pip install 'cogym\[vllm\]'"):
        load_backend("vllm:builtin")
