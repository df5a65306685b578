// Batch (DataLoader): for each job of $jobs, how many runs it has (the total behind
// job_runs' pages).
UNWIND $jobs AS job
MATCH (j:Node {uid: job})
RETURN collect({origin: job, total: COUNT { (j)<-[:RUN_OF]-(:Run) }}) AS rows
