export { readActionsFile, parseActions, type CorporateAction, type CorporateActionType, type ActionsFile } from './actions.js';
export { AdjustmentSchedule, actionsFor, buildSchedule, referenceCloses, type ReferenceCloses } from './schedule.js';
export {
  adjustFeed,
  AdjustedFeed,
  ADJUST_MODES,
  type AdjustMode,
  type AdjustSource,
  type AdjustmentInfo,
  type AdjustOptions,
} from './adjusted-feed.js';
