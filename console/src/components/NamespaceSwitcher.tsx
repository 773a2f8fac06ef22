import { useEffect, useState } from 'preact/hooks';
import { api, type Namespace } from '../api';
import { navigate, paths } from '../router';

/**
 * The namespace shown: a list of the namespaces the token may see; choosing one opens its jobs.
 * With only `default`, it shows that and nothing to choose.
 */
export function NamespaceSwitcher({ current }: { current: string }) {
  const [namespaces, setNamespaces] = useState<Namespace[] | undefined>();
  useEffect(() => {
    const abort = new AbortController();
    api.namespaces(abort.signal).then(setNamespaces, () => setNamespaces(undefined));
    return () => abort.abort();
  }, []);
  const names = namespaces?.map((ns) => ns.name) ?? [];
  if (!names.includes(current)) names.push(current);
  return (
    <label class="namespace">
      <span>Namespace</span>
      <select
        aria-label="Namespace"
        value={current}
        disabled={names.length < 2}
        onChange={(event) => navigate(paths.jobs((event.target as HTMLSelectElement).value))}
      >
        {names.map((name) => (
          <option key={name} value={name}>
            {name}
          </option>
        ))}
      </select>
    </label>
  );
}
