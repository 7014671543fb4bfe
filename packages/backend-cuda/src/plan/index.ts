export type { PlanContext, Planner } from './context.js';
export { PLANNERS } from './planners.js';
export { planSplit } from './split.js';
