"""The Gradio web app (Ask, Search, Library): the only module that imports gradio.

It wires widgets to AppService and renders with assistant.ui.render; no search or answering logic lives here.
"""

from __future__ import annotations

import functools
import html
import logging
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import gradio as gr

from assistant.export import (
    answer_passages,
    answer_to_dict,
    hit_passages,
    hits_csv,
    hits_markdown,
    render_csljson,
    render_ris,
)
from assistant.settings import Settings
from assistant.ui import render as al
from assistant.ui.service import AppService
from assistant.unexpected import report_unexpected
from index.hit import hit_to_json
from ingest.errors import MhqaError
from ingest.sections import BODY, SECTIONS
from ingest.upload import read_upload

log = logging.getLogger(__name__)

EXAMPLES = [
    "What is the Technical Advisory Group on Health, Migration and Displacement?",
    "Why does health diplomacy matter for refugees and migrants?",
    "Which areas of expertise do the advisory group's members cover?",
]
UPLOAD_TYPES = [".pdf", ".txt", ".md", ".html", ".htm"]
CONCURRENCY = 4  # sessions served at once; a search takes milliseconds, an answer well under a second

CSS = """
.gradio-container { max-width: 1200px !important; margin: 0 auto; }
#mhqa-sources, #mhqa-results { overflow-wrap: anywhere; }  /* grows with its page views: no inner scroll */
#mhqa-chat .message-content { font-size: 0.95rem; line-height: 1.5; }
.mhqa-source { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 10px 12px;
  margin-bottom: 10px; background: var(--background-fill-secondary); scroll-margin-top: 8px; }
.mhqa-source:target { outline: 2px solid var(--color-accent); }
.mhqa-source-head { font-size: 0.92em; margin-bottom: 4px; }
.mhqa-n { font-weight: 700; margin-right: 4px; }
.mhqa-title { font-weight: 600; }
.mhqa-pages, .mhqa-score { color: var(--body-text-color-subdued); margin-left: 6px; white-space: nowrap; }
.mhqa-heading { font-style: italic; font-size: 0.88em; color: var(--body-text-color-subdued); }
.mhqa-passage { line-height: 1.5; overflow-wrap: anywhere; }
.mhqa-passage mark { background: #fde68a; color: #111; padding: 0 2px; border-radius: 2px; }
a.mhqa-cite { font-weight: 600; text-decoration: none; }
.mhqa-refused { color: #b45309; }
.mhqa-copy { margin-top: 6px; font-size: 0.85em; padding: 2px 10px; border-radius: 6px; cursor: pointer;
  border: 1px solid var(--border-color-primary); background: var(--background-fill-primary); }
.mhqa-about { font-size: 0.9em; color: var(--body-text-color-subdued); }
.mhqa-table-wrap { overflow-x: auto; }
table.mhqa-library { border-collapse: collapse; width: 100%; font-size: 0.9em; border: none; }
table.mhqa-library th, table.mhqa-library td { text-align: left; padding: 6px 8px; vertical-align: top;
  border: none; border-bottom: 1px solid var(--border-color-primary); }
td.mhqa-col-title { min-width: 220px; font-weight: 600; }
td.mhqa-col-id, td.mhqa-col-sha256 { font-family: ui-monospace, monospace; font-size: 0.85em;
  word-break: break-all; }
td.mhqa-col-added, td.mhqa-col-changed { white-space: nowrap; }
.mhqa-empty { color: var(--body-text-color-subdued); padding: 8px 0; }
.mhqa-show-page, .mhqa-page-nav { margin: 6px 6px 0 0; font-size: 0.85em; padding: 2px 10px; border-radius: 6px;
  cursor: pointer; border: 1px solid var(--border-color-primary); background: var(--background-fill-primary); }
.mhqa-page-nav[disabled] { opacity: 0.4; cursor: default; }
.mhqa-view-nav { display: flex; flex-wrap: wrap; gap: 4px 6px; align-items: center; margin: 6px 0; }
.mhqa-download { font-size: 0.85em; }
.mhqa-page { margin: 0 0 10px 0; }
.mhqa-page figcaption { font-size: 0.85em; color: var(--body-text-color-subdued); margin-bottom: 4px; }
.mhqa-page-frame { position: relative; width: 100%; }
.mhqa-page-frame img { display: block; width: 100%; height: auto; border: 1px solid var(--border-color-primary); }
.mhqa-hl { position: absolute; background: rgba(250, 204, 21, 0.35); outline: 2px solid rgba(217, 119, 6, 0.95);
  pointer-events: none; }
.mhqa-hl-approx { background: rgba(96, 165, 250, 0.30); outline-color: rgba(37, 99, 235, 0.95); }
.mhqa-approx { color: #b45309; font-weight: 600; }
.mhqa-access { font-size: 0.9em; padding: 6px 10px; border-radius: 6px; background: var(--background-fill-secondary); }
.mhqa-access.mhqa-read-only { border-left: 4px solid #b45309; }
"""

# "Show page": one delegated listener per panel; the view loads after the answer, through the panel's
# server function (a click again closes it). Prev/next buttons inside the view ask for that page.
VIEW_JS = """
element.addEventListener('click', async (event) => {
  const button = event.target.closest('.mhqa-show-page, .mhqa-page-nav');
  if (!button || button.disabled) return;
  const card = button.closest('.mhqa-source');
  const slot = card && card.querySelector('.mhqa-pageview');
  if (!slot) return;
  const opener = button.classList.contains('mhqa-show-page');
  if (opener && slot.dataset.open === '1') { slot.innerHTML = ''; slot.dataset.open = ''; return; }
  slot.dataset.open = '1';
  slot.innerHTML = '<div class="mhqa-empty">Loading the page…</div>';
  const request = {chunk_id: button.dataset.chunk, start: Number(button.dataset.start),
                   end: Number(button.dataset.end), page: button.dataset.page ? Number(button.dataset.page) : null};
  try {
    slot.innerHTML = await server.page_view(request);
  } catch (err) {
    slot.innerHTML = '<div class="mhqa-refused">The page could not be shown.</div>';
  }
});
"""

# Copy-citation buttons: one delegated listener on the results panel (its content is re-rendered often).
COPY_JS = """
element.addEventListener('click', (event) => {
  const button = event.target.closest('.mhqa-copy');
  if (!button) return;
  const text = button.dataset.cite;
  const done = () => {
    button.textContent = 'Copied';
    setTimeout(() => { button.textContent = 'Copy citation'; }, 1500);
  };
  const fallback = () => {
    const area = document.createElement('textarea');
    area.value = text; document.body.appendChild(area); area.select();
    document.execCommand('copy'); area.remove(); done();
  };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(done, fallback);
  } else { fallback(); }
});
"""


def _fail(exc: MhqaError) -> gr.Error:
    """The one-line message as a pop-up, never a traceback (escaped: the pop-up renders HTML)."""
    return gr.Error(html.escape(str(exc), quote=False), print_exception=False)


F = TypeVar("F", bound=Callable[..., Any])
# Files Gradio serves (uploads, exports) are deleted after this long: (how often to look, how old).
CACHE_LIFETIME_S = (3600, 3600)


def _handler(fn: F) -> F:
    """Every handler and API function: an MhqaError is its one line; anything else is one line too
    (never Gradio's bare "Error"), with the trace in the error log (assistant.unexpected)."""

    @functools.wraps(fn)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except gr.Error:
            raise
        except MhqaError as exc:
            raise _fail(exc) from exc
        except Exception as exc:
            line = report_unexpected(exc, f"the app's {fn.__name__}")
            raise gr.Error(html.escape(line, quote=False), print_exception=False) from exc

    return wrapped  # type: ignore[return-value]


def _received_upload(item: Any) -> Path:
    """The path of a file this server received, never a path a client made up (a hand-made call can
    send any FileData): it must lie in Gradio's upload folder."""
    from gradio.utils import get_upload_folder

    path = Path(str(getattr(item, "path", None) or getattr(item, "name", item))).resolve()
    if not path.is_relative_to(Path(get_upload_folder()).resolve()):
        raise MhqaError(f"{path.name}: not a file uploaded to this app")
    return path


def build_app(service: AppService) -> gr.Blocks:
    """The Blocks UI over one shared service (so every session sees the same index)."""
    docs = service.documents()
    with gr.Blocks(
        title="mhqa — WHO refugee and migrant health", analytics_enabled=False, delete_cache=CACHE_LIFETIME_S
    ) as demo:
        gr.Markdown("## mhqa: cited answers from WHO documents on refugee and migrant health")
        about = gr.HTML(al.about_line(docs, service.model_name), elem_id="mhqa-about")
        with gr.Tabs():
            with gr.Tab("Ask", id="ask"):
                _ask_tab(service)
            with gr.Tab("Search", id="search"):
                doc_filter, year_filter = _search_tab(service, docs)
            with gr.Tab("Library", id="library"):
                table = _library_tab(service, about, doc_filter, year_filter)

        @_handler
        def current_library() -> tuple[Any, ...]:
            """What every new page shows: the index as it is now, not as it was when the server started."""
            return _library_views(service)

        demo.load(current_library, None, [table, about, doc_filter, year_filter], api_visibility="private")
    demo.queue(default_concurrency_limit=CONCURRENCY, max_size=256)
    return demo


def _library_views(service: AppService) -> tuple[Any, ...]:
    """The library table, the about line and the two filters' choices for the live index."""
    documents = service.documents()
    return (
        al.library_html(documents),
        al.about_line(documents, service.model_name),
        gr.Dropdown(choices=al.doc_choices(documents)),
        gr.Dropdown(choices=al.year_choices(documents)),
    )


def _page_view_fn(service: AppService) -> Any:
    """The panels' server function: the view's HTML, or its one-line error as HTML (never a trace)."""

    def page_view(request: Any) -> str:
        from assistant.ui.pageview import view_html, view_request

        try:
            chunk_id, start, end, page = view_request(request)
            return view_html(service.page_view(chunk_id, start, end, page))
        except MhqaError as exc:
            return f'<div class="mhqa-refused">{al.escape_text(str(exc))}</div>'

    return page_view


def _ask_tab(service: AppService) -> None:
    questions = gr.State([])  # the raw previous questions of this session: the follow-up history
    last_answer = gr.State(None)  # what "Export citations" writes
    with gr.Row(equal_height=False):
        with gr.Column(scale=3, min_width=300):
            chat = gr.Chatbot(
                elem_id="mhqa-chat",
                label="Conversation",
                height=480,
                feedback_options=None,
                buttons=["copy", "copy_all"],
                sanitize_html=True,
                placeholder="Ask a question about the documents.",
            )
            question = gr.Textbox(
                elem_id="mhqa-question",
                label="Question",
                lines=1,
                max_lines=4,
                placeholder="e.g. " + EXAMPLES[0],
            )
            with gr.Row():
                ask_button = gr.Button("Ask", variant="primary", elem_id="mhqa-ask")
                clear_button = gr.Button("New conversation", elem_id="mhqa-clear")
            gr.Examples(EXAMPLES, inputs=[question], label="Example questions")
        with gr.Column(scale=2, min_width=300):
            with gr.Row():
                cite_format = gr.Radio(
                    ["RIS", "CSL-JSON"],
                    value="RIS",
                    label="Citations for Zotero, EndNote…",
                    min_width=200,
                    elem_id="mhqa-cite-format",
                )
                cite_button = gr.Button("Export citations", elem_id="mhqa-cite-export", min_width=140)
            cite_file = gr.File(label="Download", elem_id="mhqa-cite-file", interactive=False, visible=False)
            gr.Markdown("**Sources**")
            sources = gr.HTML(
                al.render_sources(None),
                elem_id="mhqa-sources",
                js_on_load=VIEW_JS,
                server_functions=[_page_view_fn(service)],
            )

    @_handler
    def chat_turn(text: str, messages: list[dict[str, Any]], previous: list[str]) -> tuple[Any, ...]:
        answer = service.ask(text, previous)
        messages = [
            *messages,
            {"role": "user", "content": al.render_question(text)},
            {"role": "assistant", "content": al.render_answer(answer)},
        ]
        sources_html = al.render_sources(answer, viewable=al.viewable_kinds(service.documents()))
        return messages, sources_html, [*previous, text.strip()], "", answer

    for event in (ask_button.click, question.submit):
        event(
            chat_turn,
            [question, chat, questions],
            [chat, sources, questions, question, last_answer],
            api_visibility="private",
        )

    @_handler
    def export_citations(answer: Any, fmt: str) -> Any:
        if answer is None or not answer.citations:
            raise gr.Error("ask a question with a cited answer first", print_exception=False)
        text = _records(answer_passages(answer), fmt, service)
        return gr.File(value=_write_export("mhqa-citations-", text, _record_suffix(fmt)), visible=True)

    cite_button.click(export_citations, [last_answer, cite_format], [cite_file], api_visibility="private")

    @_handler
    def ask_api(question: str) -> dict[str, Any]:
        """The answer as JSON, without the chat state: for scripts and the load test (gradio_client)."""
        return _answer_json(service, question)

    gr.api(ask_api, api_name="ask")
    clear_button.click(
        lambda: ([], al.render_sources(None), [], "", None),
        None,
        [chat, sources, questions, question, last_answer],
        api_visibility="private",
    )


def _records(passages: list[Any], fmt: str, service: AppService) -> str:
    meta = {d.doc_id: d.meta for d in service.documents()}
    return render_ris(passages, meta) if fmt == "RIS" else render_csljson(passages, meta)


def _record_suffix(fmt: str) -> str:
    return ".ris" if fmt == "RIS" else ".json"


def _answer_json(service: AppService, question: str) -> dict[str, Any]:
    return answer_to_dict(service.ask(question))


def _search_tab(service: AppService, docs: list[Any]) -> tuple[gr.Dropdown, gr.Dropdown]:
    hits_state = gr.State([])
    with gr.Row():
        query = gr.Textbox(
            elem_id="mhqa-query",
            label="Query",
            scale=4,
            min_width=240,
            placeholder="words or a question; returns ranked passages, no answer",
        )
        search_button = gr.Button("Search", variant="primary", scale=1, min_width=100, elem_id="mhqa-search")
    with gr.Row():
        doc_filter = gr.Dropdown(
            al.doc_choices(docs),
            multiselect=True,
            label="Documents (all when empty)",
            elem_id="mhqa-doc-filter",
            scale=3,
            min_width=240,
        )
        year_filter = gr.Dropdown(
            al.year_choices(docs),
            value=al.ANY_YEAR,
            label="Year",
            elem_id="mhqa-year",
            scale=1,
            min_width=120,
        )
        k = gr.Slider(1, 20, value=5, step=1, label="Passages", scale=1, min_width=140)
        mode = gr.Radio(["hybrid", "dense", "bm25"], value="hybrid", label="Retrieval", scale=1, min_width=200)
        part = gr.Dropdown(
            list(SECTIONS),
            value=BODY,
            label="Part",
            elem_id="mhqa-section",
            scale=1,
            min_width=140,
            info="body text, or contents, imprint, references, index",
        )
    results = gr.HTML(
        '<div class="mhqa-empty">Ranked passages appear here.</div>',
        elem_id="mhqa-results",
        js_on_load=COPY_JS + VIEW_JS,
        server_functions=[_page_view_fn(service)],
    )
    with gr.Row():
        export_format = gr.Radio(
            ["Markdown", "CSV", "RIS", "CSL-JSON"],
            value="Markdown",
            label="Export format",
            min_width=200,
            elem_id="mhqa-export-format",
        )
        export_button = gr.Button("Export results", elem_id="mhqa-export", min_width=140)
        export_file = gr.File(
            label="Download", elem_id="mhqa-export-file", interactive=False, min_width=200, visible=False
        )

    @_handler
    def show_results(
        text: str, chosen: list[str] | None, year: str | None, n: float, how: str, section: str | None = BODY
    ) -> tuple[str, Any]:
        documents = service.documents()
        hits = service.search(
            text,
            k=int(n),
            doc_ids=al.filter_doc_ids(documents, chosen, year),
            mode=how,
            sections=(section or BODY,),
        )
        years = {d.doc_id: d.meta.year for d in documents}
        return al.render_hits(hits, years=years, viewable=al.viewable_kinds(documents)), hits

    inputs = [query, doc_filter, year_filter, k, mode, part]
    for event in (search_button.click, query.submit):
        event(show_results, inputs, [results, hits_state], api_visibility="private")

    @_handler
    def search_api(query: str, k: int = 5, doc_ids: list[str] | None = None, mode: str = "hybrid") -> list[Any]:
        """Ranked passages in the JSON form of `mhqa search --json`: for scripts and the load test."""
        hits = service.search(query, k=int(k), doc_ids=tuple(doc_ids) if doc_ids else None, mode=mode)
        return [hit_to_json(h) for h in hits]

    gr.api(search_api, api_name="search")

    @_handler
    def export(text: str, hits: list[Any], fmt: str) -> Any:
        if not hits:
            raise gr.Error("run a search first: there are no results to export", print_exception=False)
        return gr.File(value=_export_hits(text, hits, fmt, service), visible=True)

    export_button.click(export, [query, hits_state, export_format], [export_file], api_visibility="private")
    return doc_filter, year_filter


def _export_hits(query: str, hits: list[Any], fmt: str, service: AppService) -> str:
    """Write the results list to a temporary file Gradio serves for download."""
    years = service.year_of()
    if fmt in ("RIS", "CSL-JSON"):
        return _write_export("mhqa-search-", _records(hit_passages(hits), fmt, service), _record_suffix(fmt))
    text = hits_csv(hits, years) if fmt == "CSV" else hits_markdown(query, hits, years)
    return _write_export("mhqa-search-", text, ".csv" if fmt == "CSV" else ".md")


def _write_export(prefix: str, text: str, suffix: str) -> str:
    """A temporary file Gradio serves for download; old ones are removed (Gradio serves its own copy)."""
    folder = Path(tempfile.gettempdir()) / "mhqa-exports"
    folder.mkdir(exist_ok=True)
    for old in folder.glob("mhqa-*"):
        if time.time() - old.stat().st_mtime > CACHE_LIFETIME_S[1]:
            old.unlink(missing_ok=True)
    with tempfile.NamedTemporaryFile(
        "w", encoding="utf-8", prefix=prefix, suffix=suffix, delete=False, dir=folder
    ) as fh:
        fh.write(text)
    return fh.name


def _sign_in_row(service: AppService) -> gr.State:
    """The access notice and the sign-in row of the Library tab; the session's sign-in token."""
    access = service.gate
    token = gr.State(None)  # the sign-in token: server-side session state, never sent by the client
    gr.HTML(al.access_html(access.notice(), read_only=access.read_only), elem_id="mhqa-access")
    with gr.Row(visible=access.needs_sign_in, elem_id="mhqa-signin-row"):
        user = gr.Textbox(label="User", value="admin", min_width=140, elem_id="mhqa-user")
        password = gr.Textbox(label="Password", type="password", min_width=160, elem_id="mhqa-password")
        sign_in_button = gr.Button("Sign in", min_width=100, elem_id="mhqa-sign-in")
        sign_out_button = gr.Button("Sign out", min_width=100, elem_id="mhqa-sign-out")
    signed = gr.HTML("", elem_id="mhqa-signed")

    @_handler
    def sign_in(name: str, secret: str, request: gr.Request) -> tuple[Any, ...]:
        client = getattr(getattr(request, "client", None), "host", "") or "unknown"
        new_token = access.sign_in(name, secret, client)
        return new_token, f"Signed in as {al.escape_text(name.strip())}.", ""

    sign_in_button.click(sign_in, [user, password], [token, signed, password], api_name="sign_in")

    @_handler
    def sign_out(current: str | None) -> tuple[Any, ...]:
        access.sign_out(current)
        return None, "Signed out."

    sign_out_button.click(sign_out, [token], [token, signed], api_visibility="private")
    return token


def _library_tab(service: AppService, about: gr.HTML, doc_filter: gr.Dropdown, year_filter: gr.Dropdown) -> gr.HTML:
    access = service.gate
    can_change = not access.read_only
    token = _sign_in_row(service)
    gr.Markdown("**Indexed documents**")
    table = gr.HTML(al.library_html(service.documents()), elem_id="mhqa-library")
    with gr.Row():
        with gr.Column(scale=2, min_width=280):
            files = gr.File(
                file_count="multiple",
                file_types=UPLOAD_TYPES,
                label="Add PDF, TXT, MD or HTML files",
                elem_id="mhqa-upload",
                interactive=can_change,
            )
            replace = gr.Checkbox(False, label="replace existing file", elem_id="mhqa-replace", interactive=can_change)
            save_button = gr.Button("Add to corpus", elem_id="mhqa-save", interactive=can_change)
        with gr.Column(scale=1, min_width=220):
            rebuild_button = gr.Button(
                "Rebuild index", variant="primary", elem_id="mhqa-rebuild", interactive=can_change
            )
            to_delete = gr.Dropdown(
                al.doc_choices(service.documents()),
                label="Document to delete",
                elem_id="mhqa-delete-doc",
                interactive=can_change,
            )
            delete_button = gr.Button(
                "Delete from corpus", variant="stop", elem_id="mhqa-delete", interactive=can_change
            )
            status = gr.HTML("", elem_id="mhqa-status")
    gr.Markdown("**Library changes** (newest first)")
    log_table = gr.HTML(al.library_log_html(access.entries()), elem_id="mhqa-log")

    @_handler
    def save(paths: list[Any] | None, allow_replace: bool, current: str | None) -> tuple[Any, ...]:
        service.check_library_change("replace" if allow_replace else "add", current)  # before reading
        if not paths:
            raise gr.Error("choose a file to add first", print_exception=False)
        saved = []
        for item in paths:
            path = _received_upload(item)
            name = getattr(item, "orig_name", None) or path.name
            try:
                data = read_upload(path, service.settings.max_file_bytes)
            finally:
                path.unlink(missing_ok=True)  # the upload's temporary copy: the corpus keeps its own
            result = service.save_upload(data, str(name), replace=bool(allow_replace), token=current)
            saved.append(f"{'replaced' if result.replaced else 'added'} {result.path.name}")
        message = al.escape_text("; ".join(saved) + ". Press 'Rebuild index' to make it searchable.")
        return message, None, al.library_log_html(access.entries())

    save_button.click(save, [files, replace, token], [status, files, log_table], api_visibility="private")

    @_handler
    def delete(doc_id: str | None, current: str | None) -> tuple[Any, ...]:
        service.check_library_change("delete", current)
        if not doc_id:
            raise MhqaError("choose a document to delete first")
        name = service.delete_document(doc_id, current)
        message = al.escape_text(f"deleted {name}. Press 'Rebuild index' to remove it from the index.")
        return message, al.library_log_html(access.entries())

    delete_button.click(delete, [to_delete, token], [status, log_table], api_visibility="private")

    @_handler
    def rebuild(current: str | None, progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:  # noqa: B008
        service.check_library_change("rebuild", current)
        progress(0, desc="Reading the corpus")
        summary = service.rebuild(lambda done, total: progress((done, total), desc="Embedding passages"), token=current)
        return (
            al.escape_text(al.summary_text(summary)),
            *_library_views(service),
            gr.Dropdown(choices=al.doc_choices(service.documents()), value=None),
            al.library_log_html(access.entries()),
        )

    rebuild_button.click(
        rebuild,
        [token],
        [status, table, about, doc_filter, year_filter, to_delete, log_table],
        api_name="rebuild",
        concurrency_limit=1,
        concurrency_id="rebuild",
    )
    return table


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 7860) -> None:
    """Bring the index up to date (progress in the terminal), then serve the app until interrupted."""
    service = AppService.start(settings, host=host)
    if service.gate.read_only:
        print(f"mhqa: listening on {host}: {service.gate.notice()}", file=sys.stderr)
    demo = build_app(service)
    theme = gr.themes.Soft(
        font=["system-ui", "-apple-system", "Segoe UI", "Roboto", "sans-serif"],
        font_mono=["ui-monospace", "monospace"],
    )  # system fonts: no font download
    demo.launch(
        server_name=host,
        server_port=port,
        max_file_size=settings.max_file_bytes,
        css=CSS,
        theme=theme,
        show_error=False,
        footer_links=[],
        # Gradio's file route serves the rendered pages only; an indexed PDF downloads through its own
        # route (the corpus folder also holds sidecars and whatever else is dropped there)
        allowed_paths=[str(settings.pages_dir.resolve())],
        app_kwargs={"routes": [_document_route(service)]},
    )


def _document_route(service: AppService) -> Any:
    """GET /mhqa/document/{doc_id}: the indexed PDF (AppService.document_file), else 404."""
    from fastapi import HTTPException
    from fastapi.responses import FileResponse
    from fastapi.routing import APIRoute

    from assistant.ui.pageview import DOCUMENT_PATH

    def download(doc_id: str) -> FileResponse:
        path = service.document_file(doc_id)
        if path is None:
            raise HTTPException(status_code=404, detail="no indexed PDF with this id")
        return FileResponse(
            path,
            media_type="application/pdf",
            filename=path.name,
            content_disposition_type="inline",  # the browser's PDF viewer opens it at #page=N
            headers={"X-Content-Type-Options": "nosniff"},
        )

    return APIRoute(f"/{DOCUMENT_PATH}{{doc_id}}", download, methods=["GET"])
