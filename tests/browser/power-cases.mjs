// power-cases.mjs: power verbs through the VM panel (filled in when cgi-bin/pve lands).
export async function powerCases() {}
