-- The owner filter and its choices (each owner with how many tenants it has) read only
-- this column: an index lets both be answered from the index instead of the table.
CREATE INDEX tenant_summaries_by_owner ON tenant_summaries (owner);
