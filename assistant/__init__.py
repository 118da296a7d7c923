"""Answering, exports, the CLI and the Gradio app."""
