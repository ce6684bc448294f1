"""What the week's topics mean for a CX team: pain points and survey metrics
(:mod:`voc.insights.painpoints`), praise (:mod:`voc.insights.praise`), trends per week or
month (:mod:`voc.insights.trends`), topics emerging and falling away
(:mod:`voc.insights.movers`) and the one quote picker (:mod:`voc.insights.quotes`). ISO
weeks and the default week are in :mod:`voc.weeks`."""
