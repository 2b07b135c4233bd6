#!/usr/bin/env python3
"""Generates the small crafted files MindIOTests read: hostile/broken inputs and files with layouts
the reference fixtures do not exercise (views of shared torch storages, the legacy torch format,
big-endian and Fortran-order npy, protocol-2/5 pickles).

Only the standard library and numpy are used; torch is imitated by registering stand-in `torch`
modules so that pickle writes the same GLOBAL names and persistent ids torch.save writes.
Run from anywhere: `python3 make_hostile.py` regenerates every file next to this script.
"""
import collections
import io
import os
import pickle
import struct
import sys
import types
import zipfile
import zlib

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def out(name, data):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)
    assert len(data) < 100_000, name


# ----------------------------------------------------------------------------------------------
# safetensors


def safetensors_bytes(entries, header_override=None, pad=True):
    """entries: list of (name, dtype, shape, data bytes); offsets laid out in order."""
    header, buf, offset = {}, b"", 0
    for name, dtype, shape, data in entries:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(data)]}
        buf += data
        offset += len(data)
    text = header_override if header_override is not None else __import__("json").dumps(header)
    raw = text.encode()
    if pad:
        raw += b" " * ((8 - len(raw) % 8) % 8)
    return struct.pack("<Q", len(raw)) + raw + buf


def make_safetensors():
    good = safetensors_bytes([("a", "F32", [2, 2], np.arange(4, dtype="<f4").tobytes()),
                              ("b", "I64", [3], np.arange(3, dtype="<i8").tobytes())])
    out("st_truncated.safetensors", good[: len(good) - 5])
    out("st_offsets_out_of_range.safetensors", safetensors_bytes(
        [("a", "F32", [2], b"\0" * 8)],
        header_override='{"a":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}'))
    out("st_overlap.safetensors", safetensors_bytes(
        [("a", "F32", [2], b"\0" * 8), ("b", "F32", [1], b"\0" * 4)],
        header_override='{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},'
                        '"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}'))
    out("st_hole.safetensors", safetensors_bytes(
        [("a", "F32", [1], b"\0" * 4), ("b", "F32", [1], b"\0" * 8)],
        header_override='{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},'
                        '"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}'))
    out("st_size_mismatch.safetensors", safetensors_bytes(
        [("a", "F32", [3], b"\0" * 8)],
        header_override='{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}'))
    out("st_overflow_shape.safetensors", safetensors_bytes(
        [("a", "F32", [1], b"\0" * 4)],
        header_override='{"a":{"dtype":"F32","shape":[1099511627776,1099511627776],"data_offsets":[0,4]}}'))
    out("st_unsupported_dtype.safetensors", safetensors_bytes(
        [("a", "U16", [2], b"\0" * 4)],
        header_override='{"a":{"dtype":"U16","shape":[2],"data_offsets":[0,4]}}'))
    out("st_duplicate_name.safetensors", safetensors_bytes(
        [("a", "F32", [1], b"\0" * 4)],
        header_override='{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},'
                        '"a":{"dtype":"F32","shape":[0],"data_offsets":[4,4]}}'))
    out("st_not_json.safetensors", safetensors_bytes([("a", "F32", [1], b"\0" * 4)],
                                                     header_override='{"a": nope}'))
    body = good[8:]
    out("st_header_longer_than_file.safetensors", struct.pack("<Q", len(body) + 1) + body)
    out("st_header_huge.safetensors", struct.pack("<Q", 1 << 40) + body)


# ----------------------------------------------------------------------------------------------
# npy / npz


def npy_bytes(array, version=None):
    buf = io.BytesIO()
    if version is None:
        np.save(buf, array, allow_pickle=True)
    else:
        np.lib.format.write_array(buf, array, version=version, allow_pickle=True)
    return buf.getvalue()


def raw_npy(header_dict_text, data, version=(1, 0)):
    header = header_dict_text.encode("latin1")
    prefix = 10 if version == (1, 0) else 12
    header += b" " * ((64 - (prefix + len(header) + 1) % 64) % 64) + b"\n"
    length = struct.pack("<H" if version == (1, 0) else "<I", len(header))
    return b"\x93NUMPY" + bytes(version) + length + header + data


def make_npy():
    full = raw_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (10, 37), }", b"\0" * 1480)
    out("npy_truncated.npy", full[: len(full) - 280])
    out("npy_bad_magic.npy", b"\x93NUMPZ" + full[6:])
    out("npy_overflow_shape.npy",
        raw_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1099511627776, 1099511627776), }", b"\0" * 4))
    # Empty, but the other dimensions' Fortran strides would overflow if anyone computed them.
    out("npy_fortran_empty_huge.npy",
        raw_npy("{'descr': '<f4', 'fortran_order': True, 'shape': (0, 1099511627776, 1099511627776), }", b""))
    out("npy_negative_itemsize.npy", raw_npy("{'descr': '<U-5', 'fortran_order': False, 'shape': (0,), }", b""))
    out("npy_unsupported_dtype.npy", raw_npy("{'descr': '<u2', 'fortran_order': False, 'shape': (2,), }", b"\0" * 4))
    out("npy_big_endian_f8.npy", npy_bytes(np.array([1.5, -2.25, 1e300], dtype=">f8")))
    out("npy_fortran_i2.npy", npy_bytes(np.asfortranarray(np.arange(24, dtype="<i2").reshape(2, 3, 4) - 5)))
    out("npy_big_endian_fortran_f4.npy", npy_bytes(np.asfortranarray(np.arange(6, dtype=">f4").reshape(2, 3) / 4)))
    out("npy_v2_f2.npy", npy_bytes(np.array([0.5, -1.0, 65504.0, 6e-8, np.inf], dtype="<f2"), version=(2, 0)))
    out("npy_v3_unicode.npy", npy_bytes(np.array([["héllo", "wörld"], ["∑", ""]], dtype="<U5"), version=(3, 0)))
    out("npy_big_endian_unicode.npy", npy_bytes(np.array(["ab", "xyz"], dtype=">U3")))
    out("npy_bytes.npy", npy_bytes(np.array([b"ab", b"", b"cdef"], dtype="|S4")))
    out("npy_bool_scalar.npy", npy_bytes(np.array(True)))
    objects = np.empty(4, dtype=object)
    objects[:] = [1, "two", None, np.arange(3, dtype=np.int32)]
    out("npy_object_list.npy", npy_bytes(objects))
    # An object array whose pickle asks for os.system: header of a valid object npy, hostile pickle.
    out("npy_object_os_system.npy",
        raw_npy("{'descr': '|O', 'fortran_order': False, 'shape': (), }", b"\x80\x02cos\nsystem\nX\x02\x00\x00\x00ls\x85R."))


def make_npz():
    buf = io.BytesIO()
    np.savez(buf, a=np.arange(5000, dtype="<f4"), b=np.arange(10, dtype="<i8"))
    good = buf.getvalue()
    out("npz_truncated.npz", good[: len(good) // 2])

    # Flip a data byte of the stored member 'b.npy' so its CRC no longer matches.
    z = zipfile.ZipFile(io.BytesIO(good))
    info = z.getinfo("b.npy")
    local = info.header_offset
    name_len, extra_len = struct.unpack("<HH", good[local + 26: local + 30])
    data_start = local + 30 + name_len + extra_len
    corrupt = bytearray(good)
    corrupt[data_start + 130] ^= 0xFF
    out("npz_bad_crc.npz", bytes(corrupt))

    buf = io.BytesIO()
    objects = np.empty(2, dtype=object)
    objects[:] = [{"k": 1}, "s"]
    np.savez_compressed(buf, floats=np.linspace(0, 1, 7, dtype="<f4").reshape(7, 1),
                        ints=np.array([-3, 0, 2**40], dtype="<i8"), mask=np.array([True, False, True]),
                        names=np.array(["ab", "c"]), objects=objects)
    out("npz_compressed_mixed.npz", buf.getvalue())

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(zipfile.ZipInfo("a.npy", date_time=(1980, 1, 1, 0, 0, 0)), npy_bytes(np.arange(3, dtype="<i8")))
        z.writestr(zipfile.ZipInfo("readme.txt", date_time=(1980, 1, 1, 0, 0, 0)), b"not an array")
    out("npz_non_npy_member.npz", buf.getvalue())

    # ZIP64 structures (zip64 extra fields in the central directory, zip64 end record and locator),
    # which real archives only get past 4 GiB or 65535 members: lower zipfile's limits to force them.
    limits = zipfile.ZIP64_LIMIT, zipfile.ZIP_FILECOUNT_LIMIT
    zipfile.ZIP64_LIMIT, zipfile.ZIP_FILECOUNT_LIMIT = 16, 1
    try:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for name, array in [("first", np.arange(4, dtype="<f4")), ("second", np.array([7, -7], dtype="<i8"))]:
                z.writestr(zipfile.ZipInfo(name + ".npy", date_time=(1980, 1, 1, 0, 0, 0)), npy_bytes(array),
                           compress_type=zipfile.ZIP_DEFLATED)
    finally:
        zipfile.ZIP64_LIMIT, zipfile.ZIP_FILECOUNT_LIMIT = limits
    out("npz_zip64.npz", buf.getvalue())

    # A deflated member whose stream never ends: a non-final stored block that claims 60000 bytes,
    # so inflating it runs into the central directory and on to the end of the file.
    name = b"a.npy"
    comp = b"\x00" + struct.pack("<HH", 60000, 60000 ^ 0xFFFF)
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, 0, len(comp), 100, len(name), 0) + name
    cd_offset = len(local) + len(comp)
    cd = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21, 0, len(comp), 100, len(name),
                     0, 0, 0, 0, 0o100644 << 16, 0) + name
    eocd = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(cd), cd_offset, 0)
    out("npz_deflate_never_ends.npz", local + comp + cd + eocd)


# ----------------------------------------------------------------------------------------------
# plain pickles


class Plain:
    """Pickled with protocol 1 this goes through copyreg._reconstructor."""

    def __init__(self, a, b):
        self.a, self.b = a, b


class KeywordOnly:
    """__getnewargs_ex__ makes protocol 4 emit NEWOBJ_EX."""

    def __init__(self, n, scale):
        self.n, self.scale = n, scale

    def __getnewargs_ex__(self):
        return (self.n,), {"scale": self.scale}


class PairsDict:
    """Reduces to OrderedDict(list of pairs), the other OrderedDict constructor form."""

    def __reduce__(self):
        return (collections.OrderedDict, ([("a", 1), ("b", [2])],))


for cls in (Plain, KeywordOnly, PairsDict):
    cls.__module__ = "mypkg.models"
sys.modules["mypkg"] = types.ModuleType("mypkg")
sys.modules["mypkg.models"] = types.ModuleType("mypkg.models")
for cls in (Plain, KeywordOnly, PairsDict):
    setattr(sys.modules["mypkg.models"], cls.__name__, cls)


def make_pickles():
    out("pickle_os_system.pkl", b"\x80\x02cos\nsystem\nq\x00X\x02\x00\x00\x00lsq\x01\x85q\x02Rq\x03.")
    # protocol 4: STACK_GLOBAL builtins.eval, called with one string
    out("pickle_builtins_eval.pkl",
        b"\x80\x04\x8c\x08builtins\x94\x8c\x04eval\x94\x93\x94\x8c\x0aprint(1)\x94\x85\x94R\x94.")
    out("pickle_subprocess_popen.pkl", b"\x80\x02csubprocess\nPopen\n]X\x02\x00\x00\x00lsa\x85R.")
    # a function in a module that is not blocked: refused because it is not class-like
    out("pickle_function_call.pkl", b"\x80\x02cmypkg.helpers\nrun_me\n)R.")
    # a class in such a module: an inert object with args and BUILD state
    out("pickle_inert_class.pkl",
        b"\x80\x02cmypkg.models\nConfig\nK\x05\x85R}X\x01\x00\x00\x00xG?\xe0\x00\x00\x00\x00\x00\x00sb.")
    depth = 20000
    out("pickle_deep_nesting.pkl", b"\x80\x02" + b"]" * depth + b"a" * (depth - 1) + b".")
    # memo bomb: l0 = []; l(i+1) = [l(i), l(i)] (memo i+1), 60 times: 2^60 values once expanded
    bomb = b"\x80\x02]q\x00"
    for i in range(60):
        bomb += b"](h" + bytes([i]) + b"h" + bytes([i]) + b"eq" + bytes([i + 1])
    bomb += b"."
    out("pickle_memo_bomb.pkl", bomb)
    out("pickle_cycle.pkl", b"\x80\x02]q\x00h\x00a.")
    full = pickle.dumps({"a": [1, 2, 3], "b": "text" * 10}, protocol=2)
    out("pickle_truncated.pkl", full[: len(full) // 2])
    out("pickle_bad_memo.pkl", b"\x80\x02h\x07.")
    out("pickle_unsupported_opcode.pkl", b"\x80\x02I42\n.")
    value = {
        "s": {1, 2}, "fs": frozenset({3}), "ba": bytearray(b"xy"), "od": collections.OrderedDict(a=1, b=[2.5]),
        "big": 2**70, "neg": -(2**70), "neg1": -1, "i64min": -(2**63), "t": (1,), "f": 0.5, "b": b"raw",
        "n": None, "u": "h\u00e9llo", "nested": {"x": [(), [True, False]]},
    }
    out("pickle_builtins_p5.pkl", pickle.dumps(value, protocol=5))
    out("pickle_protocol1_object.pkl", pickle.dumps(Plain(3, "x"), protocol=1))
    out("pickle_p4_extras.pkl", pickle.dumps({"kw": KeywordOnly(2, scale=0.5), "od": PairsDict()}, protocol=4))
    out("pickle_builtins_p2.pkl", pickle.dumps(value, protocol=2))
    arrays = {
        "a": np.arange(6, dtype=np.float32).reshape(2, 3),
        "scalar": np.float64(2.5),
        "iscalar": np.int64(-7),
        "text": np.array(["ab", "c"]),
        "fortran_be": np.asfortranarray(np.arange(6, dtype=">i4").reshape(2, 3)),
        "objects": np.array([None, "x"], dtype=object),
        "str_scalar": np.str_("hi"),
        "dtype": np.dtype(">f4"),
    }
    out("pickle_numpy_p2.pkl", pickle.dumps(arrays, protocol=2))
    out("pickle_numpy_p4.pkl", pickle.dumps(arrays, protocol=4))


# ----------------------------------------------------------------------------------------------
# torch.save imitations


def install_fake_torch():
    torch = types.ModuleType("torch")
    utils = types.ModuleType("torch._utils")
    storage_types = {}
    for name in ["FloatStorage", "HalfStorage", "BFloat16Storage", "DoubleStorage", "LongStorage",
                 "IntStorage", "ShortStorage", "CharStorage", "ByteStorage", "BoolStorage"]:
        cls = type(name, (), {})
        cls.__module__ = "torch"
        setattr(torch, name, cls)
        storage_types[name] = cls

    def _rebuild_tensor_v2(*args):
        raise RuntimeError("never called")

    _rebuild_tensor_v2.__module__ = "torch._utils"
    _rebuild_tensor_v2.__qualname__ = "_rebuild_tensor_v2"
    utils._rebuild_tensor_v2 = _rebuild_tensor_v2

    def _rebuild_parameter(*args):
        raise RuntimeError("never called")

    _rebuild_parameter.__module__ = "torch._utils"
    _rebuild_parameter.__qualname__ = "_rebuild_parameter"
    utils._rebuild_parameter = _rebuild_parameter
    def _rebuild_parameter_with_state(*args):
        raise RuntimeError("never called")

    _rebuild_parameter_with_state.__module__ = "torch._utils"
    _rebuild_parameter_with_state.__qualname__ = "_rebuild_parameter_with_state"
    utils._rebuild_parameter_with_state = _rebuild_parameter_with_state

    tensor_module = types.ModuleType("torch._tensor")

    def _rebuild_from_type_v2(*args):
        raise RuntimeError("never called")

    _rebuild_from_type_v2.__module__ = "torch._tensor"
    _rebuild_from_type_v2.__qualname__ = "_rebuild_from_type_v2"
    tensor_module._rebuild_from_type_v2 = _rebuild_from_type_v2

    class Size(tuple):
        def __reduce__(self):
            return (Size, (tuple(self),))

    class device:
        def __init__(self, kind, index=None):
            self.kind, self.index = kind, index

        def __reduce__(self):
            return (device, (self.kind, self.index) if self.index is not None else (self.kind,))

    class Tensor:
        pass

    for cls in (Size, device, Tensor):
        cls.__module__ = "torch"
        cls.__qualname__ = cls.__name__
        setattr(torch, cls.__name__, cls)
    torch._utils = utils
    torch._tensor = tensor_module
    sys.modules["torch"] = torch
    sys.modules["torch._utils"] = utils
    sys.modules["torch._tensor"] = tensor_module
    return storage_types, utils


STORAGE_TYPES, TORCH_UTILS = install_fake_torch()


class FakeStorage:
    def __init__(self, key, type_name, data):
        self.key, self.type_name, self.data = key, type_name, data  # data: 1-D numpy array

    @property
    def numel(self):
        return self.data.size


class FakeTensor:
    def __init__(self, storage, offset, size, stride):
        self.args = (storage, offset, tuple(size), tuple(stride))

    def __reduce_ex__(self, protocol):
        return (TORCH_UTILS._rebuild_tensor_v2, self.args + (False, collections.OrderedDict()))

    def expected(self):
        storage, offset, size, stride = self.args
        itemsize = storage.data.dtype.itemsize
        view = np.lib.stride_tricks.as_strided(storage.data[offset:], shape=size,
                                               strides=[s * itemsize for s in stride])
        return np.array(view, order="C")  # ascontiguousarray would turn 0-d into 1-d


class FakeParameter:
    def __init__(self, tensor):
        self.tensor = tensor

    def __reduce_ex__(self, protocol):
        return (TORCH_UTILS._rebuild_parameter, (self.tensor, True, collections.OrderedDict()))


class FakeTensorSubclass:
    """A tensor saved through `_rebuild_from_type_v2` (what torch does for Tensor subclasses)."""

    def __init__(self, tensor):
        self.tensor = tensor

    def __reduce_ex__(self, protocol):
        inner = self.tensor.__reduce_ex__(protocol)
        return (sys.modules["torch._tensor"]._rebuild_from_type_v2, (inner[0], sys.modules["torch"].Tensor, inner[1], {}))


class FakeParameterWithState:
    def __init__(self, tensor):
        self.tensor = tensor

    def __reduce_ex__(self, protocol):
        return (TORCH_UTILS._rebuild_parameter_with_state, (self.tensor, False, collections.OrderedDict(), {"tag": 1}))


class TorchPickler(pickle.Pickler):
    def __init__(self, f, legacy=False):
        super().__init__(f, protocol=2)
        self.legacy = legacy
        self.storages = collections.OrderedDict()

    def persistent_id(self, obj):
        if isinstance(obj, FakeStorage):
            self.storages[obj.key] = obj
            pid = ("storage", STORAGE_TYPES[obj.type_name], obj.key, "cpu", obj.numel)
            return pid + (None,) if self.legacy else pid
        return None


def torch_zip(obj, prefix="archive", drop_storage=None, byteorder="little", storage_bytes=None):
    buf = io.BytesIO()
    pickler = TorchPickler(buf)
    pickler.dump(obj)
    z_buf = io.BytesIO()
    with zipfile.ZipFile(z_buf, "w", zipfile.ZIP_STORED) as z:
        def add(name, data):  # fixed timestamps keep regenerated files byte-identical
            z.writestr(zipfile.ZipInfo(f"{prefix}/{name}", date_time=(1980, 1, 1, 0, 0, 0)), data)

        add("data.pkl", buf.getvalue())
        add("byteorder", byteorder)
        for key, storage in pickler.storages.items():
            if key == drop_storage:
                continue
            data = storage.data.astype(storage.data.dtype.newbyteorder(">" if byteorder == "big" else "<"))
            add(f"data/{key}", storage_bytes(key, data) if storage_bytes else data.tobytes())
        add("version", "3\n")
    return z_buf.getvalue()


def bf16_bits(values):
    return (np.asarray(values, dtype="<f4").view("<u4") >> 16).astype("<u2")


def make_torch():
    base = FakeStorage("0", "FloatStorage", np.arange(12, dtype="<f4") * 0.5 - 1)
    half = FakeStorage("1", "HalfStorage", np.array([0.5, -2, 3.25, 65504], dtype="<f2"))
    longs = FakeStorage("2", "LongStorage", np.array([-(2**40), 0, 7], dtype="<i8"))
    bools = FakeStorage("3", "BoolStorage", np.array([True, False, True, True], dtype="?"))
    bf16 = FakeStorage("4", "BFloat16Storage", bf16_bits([1.0, -0.5, 3.0]))
    ints8 = FakeStorage("5", "CharStorage", np.array([-128, 5, 127], dtype="i1"))
    tensors = collections.OrderedDict([
        ("matrix", FakeTensor(base, 0, (3, 4), (4, 1))),
        ("transposed", FakeTensor(base, 0, (4, 3), (1, 4))),
        ("row_slice", FakeTensor(base, 5, (2, 2), (4, 1))),
        ("every_other", FakeTensor(base, 1, (6,), (2,))),
        ("broadcast", FakeTensor(base, 3, (2, 3), (0, 1))),
        ("scalar", FakeTensor(base, 11, (), ())),
        ("empty", FakeTensor(base, 12, (0, 3), (3, 1))),
        ("half", FakeTensor(half, 0, (4,), (1,))),
        ("long", FakeTensor(longs, 0, (3,), (1,))),
        ("mask", FakeTensor(bools, 1, (3,), (1,))),
        ("bf16", FakeTensor(bf16, 0, (3,), (1,))),
        ("int8", FakeTensor(ints8, 0, (3,), (1,))),
    ])
    checkpoint = {"state_dict": collections.OrderedDict(
        [("model.diffusion_model." + k, FakeParameter(v) if k == "matrix" else v) for k, v in tensors.items()]
        + [("first_stage_model.other", FakeTensor(base, 0, (2,), (1,)))]),
        "global_step": 3}
    out("torch_views.pth", torch_zip(checkpoint, prefix="torch_views"))
    expected = {k: v.expected() for k, v in tensors.items()}
    expected["bf16"] = np.array([1.0, -0.5, 3.0], dtype="<f4")  # stored as float32 for comparison
    np.savez(os.path.join(HERE, "torch_views_expected.npz"), **expected)

    torch = sys.modules["torch"]
    out("torch_extras.pth", torch_zip({
        "size": torch.Size((2, 3)), "device": torch.device("cuda", 1), "cpu": torch.device("cpu"),
        "subclass": FakeTensorSubclass(FakeTensor(base, 1, (2,), (1,))),
        "with_state": FakeParameterWithState(FakeTensor(base, 4, (2, 2), (1, 2))),
        "dtype": sys.modules["torch"].Tensor}))

    out("torch_big_endian.pth", torch_zip({"w": FakeTensor(base, 2, (2, 3), (3, 1)),
                                           "h": FakeTensor(half, 0, (4,), (1,))}, byteorder="big"))
    out("torch_missing_storage.pth", torch_zip({"w": FakeTensor(base, 0, (3,), (1,)),
                                                "l": FakeTensor(longs, 0, (3,), (1,))}, drop_storage="2"))
    out("torch_view_out_of_bounds.pth", torch_zip({"w": FakeTensor(base, 4, (3, 4), (4, 1))}))
    out("torch_storage_too_short.pth", torch_zip({"w": FakeTensor(base, 0, (3,), (1,))},
                                                 storage_bytes=lambda key, data: data.tobytes()[:-4]))
    out("torch_huge_shape.pth", torch_zip({"w": FakeTensor(base, 0, (2**40, 2**40), (0, 0))}))
    good = torch_zip({"w": FakeTensor(base, 0, (3, 4), (4, 1))})
    out("torch_truncated.pth", good[: len(good) - 40])

    # Legacy (pre-1.6) format.
    f = io.BytesIO()
    pickle.dump(0x1950A86A20F9469CFC6C, f, protocol=2)
    pickle.dump(1001, f, protocol=2)
    pickle.dump({"protocol_version": 1001, "little_endian": True,
                 "type_sizes": {"short": 2, "int": 4, "long": 4}}, f, protocol=2)
    pickler = TorchPickler(f, legacy=True)
    pickler.dump(collections.OrderedDict([("weight", FakeTensor(base, 0, (3, 4), (4, 1))),
                                          ("weight_t", FakeTensor(base, 0, (4, 3), (1, 4))),
                                          ("steps", FakeTensor(longs, 1, (2,), (1,)))]))
    keys = sorted(pickler.storages)
    pickle.dump(keys, f, protocol=2)
    for key in keys:
        data = pickler.storages[key].data
        f.write(struct.pack("<q", data.size))
        f.write(data.tobytes())
    out("torch_legacy.pt", f.getvalue())


if __name__ == "__main__":
    make_safetensors()
    make_npy()
    make_npz()
    make_pickles()
    make_torch()
    print("wrote", len(os.listdir(HERE)) - 1, "files to", HERE)
