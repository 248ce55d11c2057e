/** The help text of `npm run users`, printed for --help and after a usage error. */
export const USAGE = `usage: npm run users -- <command> [options]

commands:
  add NAME [--allow TYPE]... [--role ROLE]...   create a user (password read from standard input)
  list [--json]                                 show users: name, roles, allowed task types, created
  remove NAME                                   delete a user
  passwd NAME                                   set a new password (read from standard input)
  allow NAME TYPE...                            let the user submit these protected task types
  deny NAME TYPE...                             take these task types away from the user

The password is never an argument. In a terminal it is asked for twice,
without echo; otherwise the first line of standard input is used:
  echo "$PASSWORD" | npm run users -- add alice --allow test.main.myProtectedTask

Database: DATABASE_URL when set, otherwise the embedded store in
TSTASKS_DATA_DIR (default ./.tstasks), the same one npm start uses.
Exit status: 0 done, 1 failed, 2 wrong usage.`;
