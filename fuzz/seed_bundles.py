#!/usr/bin/env python3
"""Writes small, valid bundles into DIR as seeds for fuzz/bundle_fuzzer:
a raw disk, and a qcow2 copy-on-write child naming a backing file."""
import hashlib
import io
import json
import struct
import sys
import tarfile


def qcow2_child(backing: bytes) -> bytes:
    header = bytearray(1024)
    header[0:4] = b"QFI\xfb"
    struct.pack_into(">I", header, 4, 3)            # version
    struct.pack_into(">Q", header, 8, 112)          # backing_file_offset
    struct.pack_into(">I", header, 16, len(backing))
    struct.pack_into(">I", header, 20, 9)           # cluster_bits
    struct.pack_into(">I", header, 100, 112)        # header_length
    header[112:112 + len(backing)] = backing
    return bytes(header)


def bundle(path: str, disks: dict) -> None:
    descriptor = {
        "formatVersion": 1, "vdcVersion": "0.1.0", "vdc": "shop", "sourceTarget": "seed",
        "createdAt": "2026-11-30T00:00:00Z",
        "resources": ["VirtualDataCenter/shop"] + [f"{kind}/{name}" for (kind, name) in disks],
        "disks": [{"kind": kind, "name": name, "format": fmt, "size": len(data),
                   "member": f"disks/{kind}/{name}"} for (kind, name), (fmt, data) in disks.items()],
    }
    members = [("vdc-bundle.json", json.dumps(descriptor).encode()),
               ("manifests/vdc.yaml", b"apiVersion: vdc/v1\nkind: VirtualDataCenter\nmetadata: {name: shop}\n")]
    members += [(f"disks/{kind}/{name}", data) for (kind, name), (_, data) in disks.items()]
    sums = "".join(f"SHA256 ({name}) = {hashlib.sha256(data).hexdigest()}\n" for name, data in members)
    members.append(("SHA256SUMS", sums.encode()))
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as tar:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


out = sys.argv[1]
bundle(f"{out}/raw.vdcb", {("Image", "base"): ("raw", b"\x00" * 2048 + b"data" * 16)})
bundle(f"{out}/qcow2.vdcb", {("Image", "base"): ("raw", b"base" * 64),
                             ("Volume", "data"): ("qcow2", qcow2_child(b"/var/lib/libvirt/images/shop.img.base"))})
