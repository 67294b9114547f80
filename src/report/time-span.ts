const plural = (n: number, unit: string): string => `${n.toLocaleString('en-US')} ${unit}${n === 1 ? '' : 's'}`;

/**
 * A number of time steps as calendar time, from the periods per year they
 * are counted in: 126 steps at 252 a year and 262,800 at 525,600 a year are
 * both "6 months". Whole years from two years up, else months, else weeks or
 * days.
 */
export function stepsAsTime(steps: number, periodsPerYear: number): string {
  const years = steps / periodsPerYear;
  if (!(years > 0) || !Number.isFinite(years)) return plural(steps, 'step');
  if (years >= 1.96 && Math.abs(years - Math.round(years)) < 0.04) return plural(Math.round(years), 'year');
  const months = years * 12;
  if (months >= 0.95) return plural(Math.round(months), 'month');
  const days = years * 365.25;
  if (days >= 13.5) return plural(Math.round(days / 7), 'week');
  return plural(Math.max(1, Math.round(days)), 'day');
}

/**
 * The same steps as what they are: trading days (252 a year), days (365 a
 * year, data with weekends) or bars.
 */
export function stepsAsCount(steps: number, periodsPerYear: number): string {
  if (periodsPerYear === 252) return plural(steps, 'trading day');
  if (periodsPerYear === 365) return plural(steps, 'day');
  return plural(steps, 'bar');
}
