-- Ready jobs that carry a concurrency key, for the keyed claim's first step (which keys have work).
-- Without it that step walked every ready job — keyed or not — each time a worker looked for keyed work
-- (after every wake-up and every eighth claim): 3 ms at 20,000 queued jobs, and growing with the queue.
-- Jobs without a key never enter it, so the common enqueue and claim pay nothing for it.
create index jobs_ready_keys on :SCHEMA.jobs (concurrency_key)
  where status = 'pending' and pending_dependencies = 0 and concurrency_key is not null;
