import { FieldProblem } from '../domain-error';
import { JobSpec, isValidJobName } from '../job.model';
import { DEPENDENCY_ONS, MAX_PARENTS } from './dependency.model';

/** The rules of a job's `after` that need no other job (a cycle does: DependencyGraph). */
export function dependencyProblems(spec: Pick<JobSpec, 'name' | 'after'>): FieldProblem[] {
  const after = spec.after ?? [];
  const problems: FieldProblem[] = [];
  if (after.length > MAX_PARENTS)
    problems.push({ field: 'after', reason: `at most ${MAX_PARENTS} parents` });
  const seen = new Set<string>();
  after.forEach(({ job, on }, i) => {
    if (typeof job !== 'string' || !isValidJobName(job)) {
      problems.push({
        field: `after[${i}].job`,
        reason: 'must be the name of a job of the same namespace',
      });
      return;
    }
    if (!DEPENDENCY_ONS.includes(on))
      problems.push({
        field: `after[${i}].on`,
        reason: `must be one of ${DEPENDENCY_ONS.join(', ')}`,
      });
    if (seen.has(job))
      problems.push({ field: `after[${i}].job`, reason: `"${job}" is named twice` });
    seen.add(job);
  });
  return problems;
}
