# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""The artifact verifier on real artifacts (dpkg-deb, rpmbuild, dpkg-source, zipfile, tarfile) and damaged ones.

Damage as it happens: a copy cut short (1,000 bytes), a byte flipped in the middle, a file renamed so its
name disagrees with its content, a .changes pointing out of its directory or with a wrong checksum, a .dsc
that is not UTF-8, a project named '..', a file name with a space.
"""
from __future__ import annotations

import hashlib
import io
import os
import re
import shutil
import subprocess
import tarfile
import time
import zipfile

import pytest

from ansible_collections.pkgops.release.plugins.module_utils import _cmd
from ansible_collections.pkgops.release.plugins.module_utils import _verify as v
from ansible_collections.pkgops.release.plugins.module_utils._verify import VerifyError

EPOCH = "1795564800"
PAYLOAD = 200000  # bytes of incompressible data: a ~200 KB package

needs_rpm = pytest.mark.skipif(not shutil.which("rpmbuild"), reason="needs rpmbuild (scripts/setup.sh installs it)")


def payload(size=PAYLOAD):
    """Incompressible, reproducible bytes."""
    out, block = bytearray(), b"pkgops"
    while len(out) < size:
        block = hashlib.sha256(block).digest()
        out += block
    return bytes(out[:size])


def make_deb(folder, name="hello", version="1:1.0-1", arch="all", size=PAYLOAD, description="test package",
             nocheck=False, filed="Section: misc\nPriority: optional\n"):
    """A real .deb built by dpkg-deb from a scratch tree, named NAME_VERSION-without-epoch_ARCH.deb."""
    tree = os.path.join(folder, "tree-%s" % name)
    os.makedirs(os.path.join(tree, "DEBIAN"))
    os.makedirs(os.path.join(tree, "usr", "share", name))
    with open(os.path.join(tree, "DEBIAN", "control"), "wb") as handle:
        handle.write(("Package: %s\nVersion: %s\nArchitecture: %s\nMaintainer: Test <test@example.com>\n%s"
                      "Description: %s\n A package for the verifier tests.\n"
                      % (name, version, arch, filed, description)).encode("latin-1"))
    with open(os.path.join(tree, "usr", "share", name, "data"), "wb") as handle:
        handle.write(payload(size))
    out = os.path.join(folder, "%s_%s_%s.deb" % (name, version.split(":")[-1], arch))
    subprocess.run(["dpkg-deb", "--root-owner-group", "--build"] + ["--nocheck"] * nocheck + [tree, out],
                   check=True, capture_output=True,
                   env=dict(os.environ, SOURCE_DATE_EPOCH=EPOCH))
    shutil.rmtree(tree)
    return out


# The same way test__yum_repo builds its packages (rpmbuild -ba under a _topdir of its own), with an
# epoch and a ~200 KB payload.
SPEC = """Name: hello
Version: 1.0
Release: 1
Epoch: 2
Summary: Test package
License: MIT
BuildArch: noarch

%%description
A package for the verifier tests.

%%install
mkdir -p %%{buildroot}/usr/share/hello
cp %(data)s %%{buildroot}/usr/share/hello/data

%%files
/usr/share/hello/data
"""


def make_rpms(folder):
    """(binary .rpm, source .rpm) of hello 2:1.0-1, copied into ``folder`` under their own names."""
    top = os.path.join(folder, "top")
    os.makedirs(os.path.join(top, "SPECS"))
    data = os.path.join(top, "data")
    with open(data, "wb") as handle:
        handle.write(payload())
    spec = os.path.join(top, "SPECS", "hello.spec")
    with open(spec, "w", encoding="utf-8") as handle:
        handle.write(SPEC % {"data": data})
    subprocess.run(["rpmbuild", "-ba", "--nodeps", "--define", "_topdir %s" % top, "--define",
                    "_dbpath %s/db" % top, spec], check=True, capture_output=True,
                   env=dict(os.environ, SOURCE_DATE_EPOCH=EPOCH))
    out = []
    for built in (os.path.join(top, "RPMS", "noarch", "hello-1.0-1.noarch.rpm"),
                  os.path.join(top, "SRPMS", "hello-1.0-1.src.rpm")):
        out.append(shutil.copy(built, folder))
    shutil.rmtree(top)
    return out


def make_wheel(folder, name="hello_world", version="1.0.0", meta_name="Hello-World", meta_version=None,
               members=(), metadata=True):
    path = os.path.join(folder, "%s-%s-py3-none-any.whl" % (name, version))
    info = "%s-%s.dist-info/" % (name, version)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("hello_world/data.bin", payload())
        if metadata:
            archive.writestr(info + "METADATA", "Metadata-Version: 2.1\nName: %s\nVersion: %s\n"
                             % (meta_name, meta_version or version))
        archive.writestr(info + "WHEEL", "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\n"
                         "Tag: py3-none-any\n")
        for member in members:
            archive.writestr(member, b"x")
        archive.writestr(info + "RECORD", "")
    return path


def make_sdist(folder, name="hello_world", version="1.0.0", meta_name="hello-world", extra=()):
    """An sdist: NAME-VERSION/PKG-INFO and a payload; ``extra`` are TarInfo members added as they are."""
    base = "%s-%s" % (name, version)
    path = os.path.join(folder, base + ".tar.gz")
    with tarfile.open(path, "w:gz") as archive:
        pkg_info = ("Metadata-Version: 2.1\nName: %s\nVersion: %s\n" % (meta_name, version)).encode()
        for member, data in [(base + "/PKG-INFO", pkg_info), (base + "/data.bin", payload())]:
            info = tarfile.TarInfo(member)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        for info in extra:
            archive.addfile(info, io.BytesIO(b"x" * info.size) if info.isfile() else None)
    return path


def changes_text(folder, names, source="hello", version="1.0-1"):
    """A .changes listing ``names`` (files in ``folder``) with their real sizes and checksums."""
    rows = []
    for name in names:
        path = os.path.join(folder, name)
        with open(path, "rb") as handle:
            data = handle.read()
        rows.append((name, len(data), hashlib.sha256(data).hexdigest(), hashlib.md5(data).hexdigest()))
    return ("Format: 1.8\nSource: %s\nVersion: %s\nArchitecture: all\nChecksums-Sha256:\n%s\nFiles:\n%s\n"
            % (source, version, "\n".join(" %s %d %s" % (r[2], r[1], r[0]) for r in rows),
               "\n".join(" %s %d misc optional %s" % (r[3], r[1], r[0]) for r in rows)))


def write(path, data):
    with open(path, "wb" if isinstance(data, bytes) else "w") as handle:
        handle.write(data)
    return str(path)


def truncated(path, dest_dir, size=1000):
    out = os.path.join(str(dest_dir), os.path.basename(path))
    with open(path, "rb") as handle:
        return write(out, handle.read(size))


def flipped(path, dest_dir):
    out = os.path.join(str(dest_dir), os.path.basename(path))
    with open(path, "rb") as handle:
        data = bytearray(handle.read())
    data[len(data) // 2] ^= 0xFF
    return write(out, bytes(data))


def renamed(path, dest_dir, name):
    out = os.path.join(str(dest_dir), name)
    shutil.copy(path, out)
    return out


@pytest.fixture(scope="module")
def deb(tmp_path_factory):
    return make_deb(str(tmp_path_factory.mktemp("deb")))


@pytest.fixture(scope="module")
def rpms(tmp_path_factory):
    if not shutil.which("rpmbuild"):
        pytest.skip("needs rpmbuild")
    return make_rpms(str(tmp_path_factory.mktemp("rpm")))


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """A real source upload: dpkg-source -b and dpkg-genchanges -S of a native package."""
    folder = tmp_path_factory.mktemp("src")
    tree = folder / "hello-1.0"
    (tree / "debian" / "source").mkdir(parents=True)
    (tree / "debian" / "source" / "format").write_text("3.0 (native)\n")
    (tree / "debian" / "control").write_text("Source: hello\nMaintainer: T <t@example.com>\nSection: misc\n"
                                             "Priority: optional\n\nPackage: hello\nArchitecture: all\n"
                                             "Description: x\n y\n")
    (tree / "debian" / "changelog").write_text("hello (1.0) unstable; urgency=medium\n\n  * Test.\n\n"
                                               " -- T <t@example.com>  Wed, 02 Dec 2026 00:00:00 +0000\n")
    (tree / "README").write_text("hello\n")
    env = dict(os.environ, SOURCE_DATE_EPOCH=EPOCH)
    subprocess.run(["dpkg-source", "-b", "hello-1.0"], cwd=str(folder), check=True, capture_output=True, env=env)
    changes = subprocess.run(["dpkg-genchanges", "-S", "-u.."], cwd=str(tree), check=True, capture_output=True,
                             env=env).stdout
    shutil.rmtree(str(tree))
    return write(folder / "hello_1.0_source.changes", changes)


def copy_upload(src_changes, dest):
    """The source upload copied into ``dest``: (.changes, .dsc) there."""
    folder = os.path.dirname(src_changes)
    for name in os.listdir(folder):
        shutil.copy(os.path.join(folder, name), str(dest))
    return os.path.join(str(dest), "hello_1.0_source.changes"), os.path.join(str(dest), "hello_1.0.dsc")


# --- file names --------------------------------------------------------------------------------------

@pytest.mark.parametrize("name, says", [
    ("hello 1.0_all.deb", "has a space (U+0020) as character 6"),
    ("hello\t1.0_all.deb", "has a tab (U+0009) as character 6"),
    ("hello\n.deb", "has a newline (U+000A) as character 6"),
    ("hel\x1blo.deb", "has a control character (U+001B) as character 4"),
    ("hello\u00a0.deb", "has whitespace (U+00A0) as character 6"),
    ("hello\u200b.deb", "has a control character (U+200B) as character 6"),
    (os.fsdecode(b"hell\xff.deb"), "has the byte 0xFF, which is not UTF-8, as character 5"),
    ("-hello.deb", "starts with '-'"),
    (".hello.deb", "starts with '.'"),
    ("..", "starts with '.'"),
    ("", "is empty"),
])
def test_check_name_refuses_and_says_which_character(name, says):
    assert v.name_problem(name) == says
    with pytest.raises(VerifyError) as err:
        v.check_name("/x/" + name)
    assert str(err.value) == ("File '/x/%s' cannot be published: its name '%s' %s; rename the file without "
                              "whitespace, control characters or '/', and not starting with '-' or '.'."
                              % (name, name, says))


def test_check_name_takes_the_base_name_only():
    assert v.check_name("/some dir/.hidden/hello_1.0-1_all.deb") == "hello_1.0-1_all.deb"
    assert v.name_problem("hello-world_1.0+dfsg~rc1-1_amd64.deb") == ""


def test_missing_file_directory_and_wrong_kind(tmp_path):
    with pytest.raises(VerifyError, match=r"File '.*/gone_1.0_all.deb' does not exist; build it first"):
        v.verify_deb(str(tmp_path / "gone_1.0_all.deb"))
    os.symlink("loop_1.0_all.deb", str(tmp_path / "loop_1.0_all.deb"))
    with pytest.raises(VerifyError, match=r"loop_1.0_all.deb' cannot be read \(Too many levels of symbolic links\)"):
        v.verify_deb(str(tmp_path / "loop_1.0_all.deb"))
    (tmp_path / "dir_1.0_all.deb").mkdir()
    with pytest.raises(VerifyError, match=r"File '.*/dir_1.0_all.deb' is not a regular file"):
        v.verify(str(tmp_path / "dir_1.0_all.deb"))
    with pytest.raises(VerifyError, match=r"File '.*/x.deb' is not one of the kinds this repository takes \(.rpm\)"):
        v.verify(str(tmp_path / "x.deb"), kinds=("rpm",))
    with pytest.raises(VerifyError, match=r"is not a .deb file; give a file whose name ends in .deb"):
        v.verify_deb(str(tmp_path / "x.rpm"))


# --- .deb ---------------------------------------------------------------------------------------------

def test_deb_good_returns_its_control(deb):
    fields = v.verify_deb(deb)
    assert (fields["Package"], fields["Version"], fields["Architecture"]) == ("hello", "1:1.0-1", "all")
    assert os.path.getsize(deb) > 150000
    checked = v.verify(deb, kinds=("deb",))
    assert (checked.kind, checked.fields["Package"], checked.files) == ("deb", "hello", [])


def test_deb_truncated_to_1000_bytes(deb, tmp_path):
    cut = truncated(deb, tmp_path)
    with pytest.raises(VerifyError, match="is damaged or incomplete: dpkg-deb cannot read its data part "
                                          r"\(dpkg-deb said: .*unexpected end of file.*\); build it again") as err:
        v.verify_deb(cut)
    assert _cmd.fail_keys(err.value)["rc"] == 2, "the command's fields travel with the error"


def test_deb_byte_flipped(deb, tmp_path):
    with pytest.raises(VerifyError, match="dpkg-deb cannot read its data part .*compressed data is corrupt"):
        v.verify_deb(flipped(deb, tmp_path))


def test_deb_not_a_deb(tmp_path):
    junk = write(tmp_path / "junk_1.0_all.deb", b"!<arch>\nnot really\n")
    with pytest.raises(VerifyError, match="is damaged or not a .deb: dpkg-deb cannot read its control part"):
        v.verify_deb(junk)


@pytest.mark.parametrize("name", ["hello_2.0-1_all.deb", "hello_1.0-1_amd64.deb", "other_1.0-1_all.deb",
                                  "hello_1:1.0-1_all.deb"])
def test_deb_renamed_to_disagree(deb, tmp_path, name):
    with pytest.raises(VerifyError, match="holds hello 1:1.0-1 for all, whose file name is hello_1.0-1_all.deb; "
                                          "publish it under that name"):
        v.verify_deb(renamed(deb, tmp_path, name))


def test_deb_name_with_a_space_is_refused_before_dpkg_deb_runs(deb, tmp_path):
    spaced = renamed(deb, tmp_path, "hello_1.0-1 _all.deb")
    with pytest.raises(VerifyError, match="its name 'hello_1.0-1 _all.deb' has a space"):
        v.verify(spaced)


@pytest.mark.parametrize("filed, says", [("", "Section or Priority"), ("Section: misc\n", "Priority"),
                                         ("Priority: optional\n", "Section")])
def test_deb_without_section_or_priority_is_refused(tmp_path, filed, says):
    """reprepro skips such a package ("No section given"), and the change would fail half-way."""
    path = make_deb(str(tmp_path), version="1.0-1", size=100, filed=filed)
    with pytest.raises(VerifyError) as exc:
        v.verify_deb(path)
    assert str(exc.value) == ("File '%s' has no %s in its control, which an apt repository files it by; set them in "
                              "debian/control (for example Section: misc, Priority: optional) and build it again."
                              % (path, says))


def test_deb_control_not_utf8(tmp_path):
    latin = make_deb(str(tmp_path), size=10, description="caf\u00e9")
    with pytest.raises(VerifyError, match=r"has a control file that is not UTF-8 \(byte 0xe9 at offset \d+\)"):
        v.verify_deb(latin)


def test_deb_with_invalid_control_fields(tmp_path):
    upper = make_deb(str(tmp_path), name="Hello", size=10, nocheck=True)
    with pytest.raises(VerifyError, match=re.escape("Hello_1.0-1_all.deb' has no valid Package in its control "
                                                    "('Hello'); correct debian/control and build it again.")):
        v.verify_deb(upper)


def test_a_missing_tool_is_named(deb, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(VerifyError, match="hello_1.0-1_all.deb' cannot be verified: dpkg-deb is not installed "
                                          r"\(not found in .*\); install the Debian package dpkg\."):
        v.verify_deb(deb)


# --- .rpm ---------------------------------------------------------------------------------------------

@needs_rpm
def test_rpm_good_binary_and_source(rpms):
    binary, source = rpms
    assert v.verify_rpm(binary) == dict(name="hello", epoch=2, version="1.0", release="1", arch="noarch", source=False)
    assert v.verify(source).fields == dict(name="hello", epoch=2, version="1.0", release="1", arch="noarch",
                                           source=True)


@needs_rpm
def test_rpm_truncated_to_1000_bytes(rpms, tmp_path):
    with pytest.raises(VerifyError, match=r"is damaged or not an RPM: rpmkeys finds its digests wrong "
                                          r"\(rpmkeys said: .*BAD, read returned 0\); build it again"):
        v.verify_rpm(truncated(rpms[0], tmp_path))


@needs_rpm
def test_rpm_byte_flipped(rpms, tmp_path):
    with pytest.raises(VerifyError, match=r"rpmkeys finds its digests wrong \(rpmkeys said: .*Payload SHA256 "
                                          r"digest: BAD \(Expected [0-9a-f]{64} != [0-9a-f]{64}\)"):
        v.verify_rpm(flipped(rpms[0], tmp_path))


@needs_rpm
@pytest.mark.parametrize("which, name, says", [
    (0, "hello-1.1-1.noarch.rpm", "holds hello 1.0-1.noarch, whose file name is hello-1.0-1.noarch.rpm"),
    (0, "hello-1.0-1.x86_64.rpm", "holds hello 1.0-1.noarch, whose file name is hello-1.0-1.noarch.rpm"),
    (0, "hello-1.0-1.src.rpm", "holds hello 1.0-1.noarch, whose file name is hello-1.0-1.noarch.rpm"),
    (1, "hello-1.0-1.noarch.rpm", "holds hello 1.0-1.noarch (a source package), whose file name is "
                                  "hello-1.0-1.src.rpm"),
])
def test_rpm_renamed_to_disagree(rpms, tmp_path, which, name, says):
    with pytest.raises(VerifyError, match=re.escape(says)):
        v.verify_rpm(renamed(rpms[which], tmp_path, name))


def test_rpm_not_an_rpm(tmp_path):
    if not shutil.which("rpmkeys"):
        pytest.skip("needs rpmkeys")
    junk = write(tmp_path / "junk-1.0-1.noarch.rpm", b"not an rpm at all\n")
    with pytest.raises(VerifyError, match="is damaged or not an RPM: rpmkeys finds its digests wrong"):
        v.verify_rpm(junk)


# --- wheel and sdist ------------------------------------------------------------------------------------

def test_wheel_and_sdist_good(tmp_path):
    assert v.verify_wheel(make_wheel(str(tmp_path))) == dict(name="hello-world", version="1.0.0")
    assert v.verify(make_sdist(str(tmp_path))).fields == dict(name="hello-world", version="1.0.0")
    assert v.verify(make_sdist(str(tmp_path), name="hello-world", version="2.0")).kind == "sdist"


def test_wheel_truncated(tmp_path):
    (tmp_path / "cut").mkdir()
    cut = truncated(make_wheel(str(tmp_path)), tmp_path / "cut", 1000)
    with pytest.raises(VerifyError, match="is damaged or not a wheel: File is not a zip file; build it again"):
        v.verify_wheel(cut)


def test_wheel_byte_flipped(tmp_path):
    (tmp_path / "bad").mkdir()
    bad = flipped(make_wheel(str(tmp_path)), tmp_path / "bad")
    with pytest.raises(VerifyError, match="is damaged: member hello_world/data.bin fails its CRC check; build it"):
        v.verify_wheel(bad)


def test_wheel_named_dot_dot(tmp_path):
    dots = renamed(make_wheel(str(tmp_path)), tmp_path, "..-1.0.0-py3-none-any.whl")
    with pytest.raises(VerifyError, match=r"its name '..-1.0.0-py3-none-any.whl' starts with '.'"):
        v.verify(dots)
    under = renamed(make_wheel(str(tmp_path)), tmp_path, "_-1.0.0-py3-none-any.whl")
    with pytest.raises(VerifyError, match=r"names the project '_' in its file name, which is not a valid project name"):
        v.verify_wheel(under)


def test_wheel_metadata_names_dot_dot(tmp_path):
    with pytest.raises(VerifyError, match=r"names the project '..' in its .dist-info/METADATA, which is not a valid"):
        v.verify_wheel(make_wheel(str(tmp_path), meta_name=".."))


def test_wheel_metadata_disagrees_with_its_name(tmp_path):
    with pytest.raises(VerifyError, match="is named for hello-world 1.0.0 but its .dist-info/METADATA says "
                                          "Hello-World 1.0.1; give the file the name"):
        v.verify_wheel(make_wheel(str(tmp_path), meta_version="1.0.1"))
    with pytest.raises(VerifyError, match="is named for hello-world 1.0.0 but its .dist-info/METADATA says "
                                          "other 1.0.0"):
        v.verify_wheel(make_wheel(str(tmp_path), meta_name="other"))


def test_wheel_without_metadata_or_with_a_bad_name(tmp_path):
    with pytest.raises(VerifyError, match="has 0 .dist-info/METADATA files at its top, not one"):
        v.verify_wheel(make_wheel(str(tmp_path), metadata=False))
    bad = renamed(make_wheel(str(tmp_path)), tmp_path, "hello.whl")
    with pytest.raises(VerifyError, match=r"has no valid distribution file name \(Invalid wheel filename"):
        v.verify_wheel(bad)


@pytest.mark.parametrize("member, says", [("../evil.py", "has a '..' component"),
                                          ("/etc/evil", "is an absolute path")])
def test_wheel_member_leaving_the_tree(tmp_path, member, says):
    with pytest.raises(VerifyError, match="is unsafe: member '%s' %s" % (member, says)):
        v.verify_wheel(make_wheel(str(tmp_path), members=[member]))


def test_sdist_truncated_and_flipped(tmp_path):
    good = make_sdist(str(tmp_path))
    (tmp_path / "cut").mkdir()
    (tmp_path / "flip").mkdir()
    with pytest.raises(VerifyError, match="is damaged or not a .tar.gz: Compressed file ended before the "
                                          "end-of-stream marker was reached; build it again"):
        v.verify_sdist(truncated(good, tmp_path / "cut"))
    with pytest.raises(VerifyError, match="is damaged or not a .tar.gz: CRC check failed 0x[0-9a-f]+ != 0x[0-9a-f]+; "
                                          "build it again"):
        v.verify_sdist(flipped(good, tmp_path / "flip"))


def link(name, target, kind=tarfile.SYMTYPE):
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, target
    return info


@pytest.mark.parametrize("extra, says", [
    ([tarfile.TarInfo("other-1.0/setup.py")],
     "member 'other-1.0/setup.py' is outside the top directory hello_world-1.0.0/"),
    ([link("hello_world-1.0.0/up", "../../etc/passwd")],
     "member 'hello_world-1.0.0/up' links to '../../etc/passwd', outside the archive's tree"),
    ([link("hello_world-1.0.0/abs", "/etc/passwd")],
     "member 'hello_world-1.0.0/abs' links to '/etc/passwd', outside the archive's tree"),
    ([link("hello_world-1.0.0/hard", "etc/passwd", tarfile.LNKTYPE)],
     "member 'hello_world-1.0.0/hard' links to 'etc/passwd', outside the archive's tree"),
    ([link("hello_world-1.0.0/fifo", "", tarfile.FIFOTYPE)], "member 'hello_world-1.0.0/fifo' is a device or a FIFO"),
])
def test_sdist_unsafe_members(tmp_path, extra, says):
    with pytest.raises(VerifyError, match=re.escape("is unsafe: %s; build the sdist again" % says)):
        v.verify_sdist(make_sdist(str(tmp_path), extra=extra))


def test_sdist_safe_link_inside_and_metadata_checks(tmp_path):
    ok = make_sdist(str(tmp_path), extra=[link("hello_world-1.0.0/alias", "data.bin")])
    assert v.verify_sdist(ok)["name"] == "hello-world"
    (tmp_path / "b").mkdir()
    with pytest.raises(VerifyError, match="is named for hello-world 1.0.0 but its PKG-INFO says other 1.0.0"):
        v.verify_sdist(make_sdist(str(tmp_path / "b"), meta_name="other"))
    plain = tmp_path / "hello_world-3.0.tar.gz"
    with tarfile.open(str(plain), "w:gz") as archive:
        archive.addfile(tarfile.TarInfo("hello_world-3.0/README"), io.BytesIO(b""))
    with pytest.raises(VerifyError, match="has no hello_world-3.0/PKG-INFO; build the sdist again"):
        v.verify_sdist(str(plain))


# --- .dsc and .changes ----------------------------------------------------------------------------------

def test_source_upload_good(source):
    folder = os.path.dirname(source)
    assert v.verify_changes(source) == [os.path.join(folder, "hello_1.0.dsc"), os.path.join(folder, "hello_1.0.tar.xz")]
    assert v.verify_dsc(os.path.join(folder, "hello_1.0.dsc")) == [os.path.join(folder, "hello_1.0.tar.xz")]
    checked = v.verify(source)
    assert (checked.kind, checked.fields) == ("changes", {"Source": "hello", "Version": "1.0"})


def test_binary_changes_verifies_each_deb(deb, tmp_path):
    shutil.copy(deb, str(tmp_path))
    changes = write(tmp_path / "hello_1.0-1_all.changes", changes_text(str(tmp_path), ["hello_1.0-1_all.deb"]))
    assert v.verify(changes).files == [str(tmp_path / "hello_1.0-1_all.deb")]
    # the .changes matches a .deb that was cut short before it was listed: only the deep check finds it
    (tmp_path / "cut").mkdir()
    truncated(deb, tmp_path / "cut")
    cut_changes = write(tmp_path / "cut" / "hello.changes",
                        changes_text(str(tmp_path / "cut"), ["hello_1.0-1_all.deb"]))
    assert v.verify_changes(cut_changes) == [str(tmp_path / "cut" / "hello_1.0-1_all.deb")]
    with pytest.raises(VerifyError, match="hello_1.0-1_all.deb' is damaged or incomplete: dpkg-deb cannot read"):
        v.verify(cut_changes)


@pytest.mark.parametrize("entry, says", [
    ("../outside/x.deb", "lists '../outside/x.deb', which is not a plain file name in the same directory "
                         "(it has '/')"),
    ("/etc/passwd", "lists '/etc/passwd', which is not a plain file name in the same directory (it has '/')"),
    ("..", "lists '..', which is not a plain file name (it has '..')"),
    (".hidden.deb", "lists '.hidden.deb', which is not a safe file name: it starts with '.'"),
    ("-x.deb", "lists '-x.deb', which is not a safe file name: it starts with '-'"),
])
def test_changes_entries_that_leave_the_directory(tmp_path, entry, says):
    outside = tmp_path / "outside"
    outside.mkdir()
    write(outside / "x.deb", b"data")
    up = tmp_path / "up"
    up.mkdir()
    digest = hashlib.sha256(b"data").hexdigest()
    text = ("Format: 1.8\nSource: hello\nVersion: 1.0\nChecksums-Sha256:\n %s 4 %s\nFiles:\n"
            " 8d777f385d3dfec8815d20f7496026dc 4 misc optional %s\n" % (digest, entry, entry))
    changes = write(up / "hello.changes", text)
    with pytest.raises(VerifyError, match=re.escape("%s; give the .changes the build wrote" % says)):
        v.verify(changes)


def test_changes_listed_file_is_a_link_out_of_the_directory(deb, tmp_path):
    up = tmp_path / "up"
    up.mkdir()
    os.symlink(deb, str(up / "hello_1.0-1_all.deb"))
    text = changes_text(os.path.dirname(deb), ["hello_1.0-1_all.deb"])
    changes = write(up / "hello.changes", text)
    with pytest.raises(VerifyError, match="lists hello_1.0-1_all.deb, which resolves to %s, outside %s; copy the file "
                                          "itself" % (deb, up)):
        v.verify_changes(changes)


def test_changes_listed_file_is_a_dangling_link_or_a_directory(tmp_path):
    os.symlink("gone.deb", str(tmp_path / "x.deb"))
    (tmp_path / "d.deb").mkdir()
    digest = hashlib.sha256(b"data").hexdigest()
    for entry, says in (("x.deb", "lists x.deb, which cannot be read (No such file or directory)"),
                        ("d.deb", "lists d.deb, which is not a regular file")):
        text = ("Format: 1.8\nSource: hello\nVersion: 1.0\nChecksums-Sha256:\n %s 4 %s\nFiles:\n"
                " 8d777f385d3dfec8815d20f7496026dc 4 misc optional %s\n" % (digest, entry, entry))
        with pytest.raises(VerifyError, match=re.escape(says + "; copy the file itself next to it")):
            v.verify_changes(write(tmp_path / "hello.changes", text))


def test_changes_checksum_size_and_missing_file(source, tmp_path):
    changes, dsc = copy_upload(source, tmp_path)
    tarball = tmp_path / "hello_1.0.tar.xz"
    data = bytearray(tarball.read_bytes())
    data[10] ^= 0x01
    tarball.write_bytes(bytes(data))
    with pytest.raises(VerifyError, match=r"lists hello_1.0.tar.xz with sha256 [0-9a-f]{64}, but it has [0-9a-f]{64}; "
                                          "build it again"):
        v.verify_changes(changes)
    tarball.write_bytes(bytes(data) + b"x")
    with pytest.raises(VerifyError, match=r"hello_1.0.dsc' lists hello_1.0.tar.xz with %d bytes, but it has %d"
                                          % (len(data), len(data) + 1)):
        v.verify_dsc(dsc)
    tarball.unlink()
    with pytest.raises(VerifyError, match="lists hello_1.0.tar.xz, which does not exist in %s; copy every file"
                                          % tmp_path):
        v.verify(changes)


def test_dsc_not_utf8(source, tmp_path):
    _changes, dsc = copy_upload(source, tmp_path)
    text = open(dsc, "rb").read()
    damaged = text.replace(b"Source: hello", b"Source: hello\nX-Note: \xff")
    write(dsc, damaged)
    with pytest.raises(VerifyError, match=re.escape("hello_1.0.dsc' is not UTF-8 (byte 0xff at offset %d); Debian "
                                                    "control files are UTF-8: build the source package again."
                                                    % damaged.index(b"\xff"))):
        v.verify_dsc(dsc)


def test_dsc_without_sha256_or_with_unlisted_files(source, tmp_path):
    _changes, dsc = copy_upload(source, tmp_path)
    text = open(dsc, encoding="utf-8").read()
    head, _sep, rest = text.partition("Checksums-Sha256:\n")
    sha_line, _nl, tail = rest.partition("\n")
    write(dsc, head + tail)
    with pytest.raises(VerifyError, match="is not a .dsc: it has no Checksums-Sha256 field"):
        v.verify_dsc(dsc)
    write(dsc, head + "Checksums-Sha256:\n %s\n%s" % (sha_line.strip().replace("hello_1.0.tar.xz", "other.tar.xz"),
                                                      tail))
    with pytest.raises(VerifyError, match="lists other.tar.xz in Checksums-Sha256 but not once with size"):
        v.verify_dsc(dsc)
    write(dsc, head + "Checksums-Sha256:\n 1234 10 hello_1.0.tar.xz\n" + tail)
    with pytest.raises(VerifyError, match="has a malformed Checksums-Sha256 line for hello_1.0.tar.xz"):
        v.verify_dsc(dsc)


def test_not_a_listing_at_all(tmp_path):
    with pytest.raises(VerifyError, match="is not a .changes: it has no Source, Version, Checksums-Sha256, Files "
                                          "field"):
        v.verify_changes(write(tmp_path / "x.changes", b"\x00\x01 just bytes"))
    big = write(tmp_path / "big.dsc", b"Source: x\n" + b"#" * v.MAX_LISTING)
    with pytest.raises(VerifyError, match="is larger than 1048576 bytes, too large for a .dsc"):
        v.verify_dsc(big)


# --- figures ------------------------------------------------------------------------------------------------

@needs_rpm
def test_benchmark_200kb_deb_and_rpm(deb, rpms, capsys):
    """Time to verify a ~200 KB .deb and .rpm (printed with -s; nothing asserted about the time)."""
    for path, check in ((deb, v.verify_deb), (rpms[0], v.verify_rpm)):
        started = time.perf_counter()
        rounds = 5
        for _round in range(rounds):
            check(path)
        took = (time.perf_counter() - started) / rounds
        with capsys.disabled():
            print("\nverify %s (%d bytes): %.1f ms" % (os.path.basename(path), os.path.getsize(path), took * 1000))
