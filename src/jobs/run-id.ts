/** Run ids are built from job names, ticks, worker ids and `@ ! #` (src/logs/run.model.ts). */
export const RUN_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@!#-]{0,299}$/;
