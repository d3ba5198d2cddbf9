"""Snapshot a Postgres table to Parquet in the MinIO lake bucket.

Reads `public.orders` from the `warehouse` database (connection `warehouse_db`, set by
AIRFLOW_CONN_WAREHOUSE_DB) and writes it to
`s3://$LAKE_BUCKET/orders/snapshot_at=<UTC time>/orders.parquet` (connection `lake_s3`, set by
AIRFLOW_CONN_LAKE_S3: MinIO with path-style addressing). Copy it as a starting point.
"""

from __future__ import annotations

import io
import os
from datetime import datetime, timezone

from airflow.sdk import dag, task

BUCKET = os.environ.get("LAKE_BUCKET", "lake")
TABLE = "public.orders"


@dag(
    schedule="@daily",
    start_date=datetime(2025, 1, 1),
    catchup=False,
    tags=["example", "lake"],
)
def postgres_to_lake():
    @task
    def snapshot() -> str:
        import pyarrow as pa
        import pyarrow.parquet as pq
        from airflow.providers.amazon.aws.hooks.s3 import S3Hook
        from airflow.providers.postgres.hooks.postgres import PostgresHook

        conn = PostgresHook(postgres_conn_id="warehouse_db").get_conn()
        try:
            with conn.cursor() as cur:
                cur.execute(f"SELECT * FROM {TABLE}")
                columns = [d[0] for d in cur.description]
                rows = cur.fetchall()
        finally:
            conn.close()
        table = pa.table({c: [row[i] for row in rows] for i, c in enumerate(columns)})

        buf = io.BytesIO()
        pq.write_table(table, buf)
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        key = f"orders/snapshot_at={stamp}/orders.parquet"
        S3Hook(aws_conn_id="lake_s3").load_bytes(
            buf.getvalue(), key=key, bucket_name=BUCKET, replace=True
        )
        print(f"wrote {table.num_rows} rows to s3://{BUCKET}/{key}")
        return f"s3://{BUCKET}/{key}"

    snapshot()


postgres_to_lake()
