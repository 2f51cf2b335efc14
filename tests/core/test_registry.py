import pytest

from retouch.core import registry
from retouch.core.errors import InputError


def test_inpaint_registry_lists_the_three_methods_default_first():
    names = [m.name for m in registry.list_methods("inpaint")]
    assert names[0] == "patchmatch"
    assert {"patchmatch", "telea", "ns"} <= set(names)


def test_unknown_method_lists_valid_names():
    with pytest.raises(InputError, match=r"valid names: .*ns.*patchmatch.*telea"):
        registry.create("inpaint", "nope")


def test_unknown_task_lists_tasks():
    with pytest.raises(InputError, match="valid tasks"):
        registry.create("no-such-task", "x")


def test_unknown_option_lists_valid_options():
    with pytest.raises(InputError, match=r"no option 'radiuss'.*valid options: radius"):
        registry.create("inpaint", "telea", radiuss=3)


def test_create_binds_options():
    method = registry.create("inpaint", "telea", radius=7)
    assert method.options == {"radius": 7} and "telea" in repr(method)


def test_register_twice_is_an_error():
    @registry.register("test-task", "one", "first")
    def one(x, *, k=1):
        return x + k

    with pytest.raises(RuntimeError, match="registered twice"):
        registry.register("test-task", "one", "again")(one)
    assert registry.create("test-task", "one", k=2)(1) == 3


def test_class_methods_are_instantiated_once_with_options():
    @registry.register("test-task", "model", "a class")
    class Model:
        instances = 0

        def __init__(self, *, scale=1):
            Model.instances += 1
            self.scale = scale

        def __call__(self, x):
            return x * self.scale

    method = registry.create("test-task", "model", scale=3)
    assert method(2) == 6 and method(3) == 9 and Model.instances == 1
