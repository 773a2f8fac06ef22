/** Unit tests of the executor run the native spawner: compile it when its source changed. */
import { buildSpawner } from '../../tools/build';

export default function unitSetup(): void {
  buildSpawner();
}
