"""Running the pipeline's work on a Dask cluster: shards, per-worker models, the writer.

The flows in ``pipelines/`` decide where tasks run (``execution:`` in the config); this
package holds what the tasks call. Workers never open the store: they write Parquet
shards (:mod:`voc.scale.shards`) that the flow's one writer commits in a fixed order.
"""
