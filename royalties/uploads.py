"""How a payment facilitator's result file is received: its own size limit, streamed to disk."""

from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.utils.translation import gettext_lazy

from contributions.uploads import UploadTooLarge
from royalties.payout_files import RESULT_FILE_MAX_BYTES

TOO_LARGE = gettext_lazy("A result file is limited to 20 MB.")


class ResultFileUploadHandler(TemporaryFileUploadHandler):
    """Streams a result file to a temporary file and stops at its own limit. The site-wide
    handler applies the contributions' per-kind limits, and a CSV counts as text (1 MB),
    which would refuse a real facilitator's file long before its 100,000 rows.

    Install it before anything reads the body (`request.upload_handlers = [...]`): in the
    API before DRF's request is built, on a page before the CSRF check reads the form.
    """

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length and content_length > RESULT_FILE_MAX_BYTES + 65536:
            raise UploadTooLarge(TOO_LARGE)

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.size = 0

    def receive_data_chunk(self, raw_data, start):
        self.size += len(raw_data)
        if self.size > RESULT_FILE_MAX_BYTES:
            self.file.close()  # the temporary file is deleted on close
            raise UploadTooLarge(TOO_LARGE)
        return super().receive_data_chunk(raw_data, start)
