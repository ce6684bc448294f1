"""What the week's topics mean for a CX team: quotes and praise (pain points and survey
metrics are in :mod:`voc.painpoints`; ISO weeks and the default week in :mod:`voc.weeks`)."""
