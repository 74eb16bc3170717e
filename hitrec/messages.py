"""Messages that modules without Django raise in English, marked to be translated where shown."""


def gettext_noop(message: str) -> str:
    """Marks a message for the catalog (makemessages knows this name) without translating:
    a module that imports no Django cannot know the reader's language."""
    return message


class ExplainedError(ValueError):
    """An error whose message a person reads: the English text with %(name)s placeholders,
    marked with gettext_noop, and its parameters kept apart, so that the layer that shows
    it (`hitrec.i18n.message_of`) can put the translated text together in the reader's
    language. str() gives the English sentence, for logs and for callers that need no
    translation."""

    def __init__(self, message: str, **params: object) -> None:
        self.message = message
        self.params = params
        super().__init__(message % params if params else message)


class Explained(str):
    """A sentence a person reads, that is its English text (it compares, joins and prints as
    that) and keeps its marked message and parameters apart, as `ExplainedError` does for an
    error, so that the layer that shows it translates it (`hitrec.i18n.message_of`)."""

    message: str
    params: dict[str, object]
    parts: tuple["Explained", ...] = ()  # the sentences a joined one is made of

    def __new__(cls, message: str, **params: object) -> "Explained":
        text = super().__new__(cls, message % params if params else message)
        text.message = message
        text.params = params
        return text

    def as_error(self) -> ExplainedError:
        """The same message as an `ExplainedError`, for `hitrec.i18n.message_of`."""
        return ExplainedError(self.message, **self.params)
