/** Migrations are imported as text (`with { type: "text" }`), which Bun supports natively. */
declare module "*.sql" {
  const text: string;
  export default text;
}
