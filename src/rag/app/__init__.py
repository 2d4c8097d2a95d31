"""What a user runs: the ``rag`` command (``cli``) and the browser chat (``chat``, a Gradio
app with its stylesheet ``chat.css``). Both are thin layers over ``rag.api``: they take a
user's words and flags and give them the API's answers, with one-line errors.
"""
