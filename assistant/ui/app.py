"""The Gradio web app (Ask, Search, Library): the only module that imports gradio.

It wires widgets to AppService and renders with assistant.ui.render; no search or answering logic lives here.
"""

from __future__ import annotations

import html
import logging
import tempfile
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.export import answer_to_dict, hits_csv, hits_markdown
from assistant.settings import Settings
from assistant.ui import render as al
from assistant.ui.service import AppService
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
#mhqa-sources, #mhqa-results { max-height: 640px; overflow-y: auto; }
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


def build_app(service: AppService) -> gr.Blocks:
    """The Blocks UI over one shared service (so every session sees the same index)."""
    docs = service.documents()
    with gr.Blocks(title="mhqa — WHO refugee and migrant health", analytics_enabled=False) as demo:
        gr.Markdown("## mhqa: cited answers from WHO documents on refugee and migrant health")
        about = gr.HTML(al.about_line(docs, service.model_name), elem_id="mhqa-about")
        with gr.Tabs():
            with gr.Tab("Ask", id="ask"):
                _ask_tab(service)
            with gr.Tab("Search", id="search"):
                doc_filter, year_filter = _search_tab(service, docs)
            with gr.Tab("Library", id="library"):
                _library_tab(service, about, doc_filter, year_filter)
    demo.queue(default_concurrency_limit=CONCURRENCY, max_size=256)
    return demo


def _ask_tab(service: AppService) -> None:
    questions = gr.State([])  # the raw previous questions of this session: the follow-up history
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
            gr.Markdown("**Sources**")
            sources = gr.HTML(al.render_sources(None), elem_id="mhqa-sources")

    def chat_turn(text: str, messages: list[dict[str, Any]], previous: list[str]) -> tuple[Any, ...]:
        try:
            answer = service.ask(text, previous)
        except MhqaError as exc:
            raise _fail(exc) from exc
        messages = [
            *messages,
            {"role": "user", "content": al.render_question(text)},
            {"role": "assistant", "content": al.render_answer(answer)},
        ]
        return messages, al.render_sources(answer), [*previous, text.strip()], ""

    for event in (ask_button.click, question.submit):
        event(
            chat_turn,
            [question, chat, questions],
            [chat, sources, questions, question],
            api_visibility="private",
        )

    def ask_api(question: str) -> dict[str, Any]:
        """The answer as JSON, without the chat state: for scripts and the load test (gradio_client)."""
        return _answer_json(service, question)

    gr.api(ask_api, api_name="ask")
    clear_button.click(
        lambda: ([], al.render_sources(None), [], ""),
        None,
        [chat, sources, questions, question],
        api_visibility="private",
    )


def _answer_json(service: AppService, question: str) -> dict[str, Any]:
    try:
        answer = service.ask(question)
    except MhqaError as exc:
        raise _fail(exc) from exc
    return answer_to_dict(answer)


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
        mode = gr.Radio(
            ["hybrid", "dense", "bm25"], value="hybrid", label="Retrieval", scale=1, min_width=200
        )
        part = gr.Dropdown(
            list(SECTIONS), value=BODY, label="Part", elem_id="mhqa-section", scale=1, min_width=140,
            info="body text, or contents, imprint, references, index",
        )
    results = gr.HTML(
        '<div class="mhqa-empty">Ranked passages appear here.</div>',
        elem_id="mhqa-results",
        js_on_load=COPY_JS,
    )
    with gr.Row():
        export_format = gr.Radio(["Markdown", "CSV"], value="Markdown", label="Export format", min_width=200)
        export_button = gr.Button("Export results", elem_id="mhqa-export", min_width=140)
        export_file = gr.File(
            label="Download", elem_id="mhqa-export-file", interactive=False, min_width=200, visible=False
        )

    def show_results(
        text: str, chosen: list[str] | None, year: str | None, n: float, how: str, section: str | None = BODY
    ) -> tuple[str, Any]:
        documents = service.documents()
        try:
            hits = service.search(
                text, k=int(n), doc_ids=al.filter_doc_ids(documents, chosen, year), mode=how,
                sections=(section or BODY,),
            )
        except MhqaError as exc:
            raise _fail(exc) from exc
        years = {d.doc_id: d.meta.year for d in documents}
        return al.render_hits(hits, years=years), hits

    inputs = [query, doc_filter, year_filter, k, mode, part]
    for event in (search_button.click, query.submit):
        event(show_results, inputs, [results, hits_state], api_visibility="private")

    def search_api(
        query: str, k: int = 5, doc_ids: list[str] | None = None, mode: str = "hybrid"
    ) -> list[Any]:
        """Ranked passages in the JSON form of `mhqa search --json`: for scripts and the load test."""
        try:
            hits = service.search(query, k=int(k), doc_ids=tuple(doc_ids) if doc_ids else None, mode=mode)
        except MhqaError as exc:
            raise _fail(exc) from exc
        return [hit_to_json(h) for h in hits]

    gr.api(search_api, api_name="search")

    def export(text: str, hits: list[Any], fmt: str) -> Any:
        if not hits:
            raise gr.Error("run a search first: there are no results to export", print_exception=False)
        return gr.File(value=_export_hits(text, hits, fmt, service.year_of()), visible=True)

    export_button.click(export, [query, hits_state, export_format], [export_file], api_visibility="private")
    return doc_filter, year_filter


def _export_hits(query: str, hits: list[Any], fmt: str, years: dict[str, str]) -> str:
    """Write the results list to a temporary file Gradio serves for download."""
    text = hits_csv(hits, years) if fmt == "CSV" else hits_markdown(query, hits, years)
    suffix = ".csv" if fmt == "CSV" else ".md"
    with tempfile.NamedTemporaryFile(
        "w", encoding="utf-8", prefix="mhqa-search-", suffix=suffix, delete=False
    ) as fh:
        fh.write(text)
    return fh.name


def _library_tab(
    service: AppService, about: gr.HTML, doc_filter: gr.Dropdown, year_filter: gr.Dropdown
) -> None:
    gr.Markdown("**Indexed documents**")
    table = gr.HTML(al.library_html(service.documents()), elem_id="mhqa-library")
    with gr.Row():
        with gr.Column(scale=2, min_width=280):
            files = gr.File(
                file_count="multiple",
                file_types=UPLOAD_TYPES,
                label="Add PDF, TXT, MD or HTML files",
                elem_id="mhqa-upload",
            )
            replace = gr.Checkbox(False, label="replace existing file", elem_id="mhqa-replace")
            save_button = gr.Button("Add to corpus", elem_id="mhqa-save")
        with gr.Column(scale=1, min_width=220):
            rebuild_button = gr.Button("Rebuild index", variant="primary", elem_id="mhqa-rebuild")
            status = gr.HTML("", elem_id="mhqa-status")

    def save(paths: list[Any] | None, allow_replace: bool) -> tuple[str, None]:
        if not paths:
            raise gr.Error("choose a file to add first", print_exception=False)
        saved = []
        for item in paths:
            path = Path(str(getattr(item, "name", item)))
            name = getattr(item, "orig_name", None) or path.name
            try:
                result = service.save_upload(
                    read_upload(path, service.settings.max_file_bytes), name, replace=allow_replace
                )
            except MhqaError as exc:
                raise _fail(exc) from exc
            saved.append(f"{'replaced' if result.replaced else 'added'} {result.path.name}")
        return al.escape_text("; ".join(saved) + ". Press 'Rebuild index' to make it searchable."), None

    save_button.click(save, [files, replace], [status, files], api_visibility="private")

    def rebuild(progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:  # noqa: B008 (gradio's idiom)
        progress(0, desc="Reading the corpus")
        try:
            summary = service.rebuild(lambda done, total: progress((done, total), desc="Embedding passages"))
        except MhqaError as exc:
            raise _fail(exc) from exc
        documents = service.documents()
        return (
            al.escape_text(al.summary_text(summary)),
            al.library_html(documents),
            al.about_line(documents, service.model_name),
            gr.Dropdown(choices=al.doc_choices(documents)),
            gr.Dropdown(choices=al.year_choices(documents)),
        )

    rebuild_button.click(
        rebuild,
        None,
        [status, table, about, doc_filter, year_filter],
        api_name="rebuild",
        concurrency_limit=1,
        concurrency_id="rebuild",
    )


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 7860) -> None:
    """Bring the index up to date (progress in the terminal), then serve the app until interrupted."""
    service = AppService.start(settings)
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
    )
