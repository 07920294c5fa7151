"""How long and how many: the bounds a story's parts keep wherever they are written (models, the workflow's
highlights rule, the story-document parser), in one place so that none of them can drift from the others."""

HEADLINE_MAX_LENGTH = 200
HIGHLIGHT_MAX_LENGTH = 200
# A story out of draft has MIN_HIGHLIGHTS to MAX_HIGHLIGHTS highlights; a draft at most MAX_HIGHLIGHTS.
MIN_HIGHLIGHTS = 1
MAX_HIGHLIGHTS = 5
OPINION_NAME_MAX_LENGTH = 80
