-- Runs once, when the postgres-data volume is empty: a `warehouse` database with a sample
-- table for the example DAG (dags/postgres_to_lake.py) to snapshot. Add your own *.sql or *.sh
-- files here; they run in name order. `hoist down -v` (make clean) resets the database.
CREATE DATABASE warehouse;
\connect warehouse

CREATE TABLE orders (
    id         integer PRIMARY KEY,
    customer   text           NOT NULL,
    amount     numeric(10, 2) NOT NULL,
    ordered_at timestamptz    NOT NULL
);

INSERT INTO orders (id, customer, amount, ordered_at) VALUES
    (1, 'ada',    12.50, '2025-01-01 09:00:00+00'),
    (2, 'grace',  99.99, '2025-01-01 10:30:00+00'),
    (3, 'linus',   5.00, '2025-01-02 08:15:00+00'),
    (4, 'ada',    42.00, '2025-01-02 17:45:00+00'),
    (5, 'barbara', 7.25, '2025-01-03 12:00:00+00');
