declare module 'jstat' {
  interface JStatStatic {
    studentt: { inv(p: number, dof: number): number; cdf(x: number, dof: number): number };
    normal: { inv(p: number, mean: number, sd: number): number; cdf(x: number, mean: number, sd: number): number };
  }
  const jStat: JStatStatic;
  export default jStat;
}
