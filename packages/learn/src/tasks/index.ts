/** Built-in tasks, registered on import. */
import { registerTask, listTasks } from '../task.ts'
import { mnistMlp } from './mnist-mlp.ts'
import { mnistCnn } from './mnist-cnn.ts'
import { spamBow } from './spam-bow.ts'

export const builtinTasks = [mnistMlp, mnistCnn, spamBow]
for (const t of builtinTasks) if (!listTasks().some((x) => x.id === t.id)) registerTask(t)
export { mnistMlp, mnistCnn, spamBow }
