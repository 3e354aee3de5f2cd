import { describe, expect, it } from 'vitest';
import { customerChange, readCustomer, readCustomerCsv, type StoredCustomer } from '../../src/cases/customer-rows.ts';

const csv = (...lines: string[]) => `${lines.join('\r\n')}\r\n`;

describe('customers CSV: rows checked, errors by line (redress customers import)', () => {
  it('reads the four columns in any order, lower-cases addresses, trims cells, and an empty cell means "keep what is stored"', () => {
    const { records, errors } = readCustomerCsv(csv('Account,EMAIL,name,registered_email', ' ACC-1 , Alice@Example.com ,Alice Smith,Alice@Home.Example', ',bob@example.com,,'));
    expect(errors).toEqual([]);
    expect(records).toEqual([
      { line: 2, email: 'alice@example.com', name: 'Alice Smith', registeredEmail: 'alice@home.example', account: 'ACC-1' },
      { line: 3, email: 'bob@example.com', name: undefined, registeredEmail: undefined, account: undefined },
    ]);
  });

  it('a byte-order mark and blank lines are no trouble; the email column alone is enough', () => {
    expect(readCustomerCsv(`\uFEFFemail\n\ncara@example.com\n`)).toEqual({ records: [{ line: 3, email: 'cara@example.com', name: undefined, registeredEmail: undefined, account: undefined }], errors: [] });
  });

  it('names every bad row by the line it starts on, past a quoted name over two lines', () => {
    const { records, errors } = readCustomerCsv(
      csv(
        'email,name,registered_email,account',
        'alice@example.com,"Alice',
        'Smith",,A1',
        'not-an-address,Bob,,',
        ',Nobody,,',
        'dan@example.com,Dan,dan at home,',
        'fay@example.com,Fay,,A2',
        'eve@example.com,Eve,,,extra',
        'FAY@example.com,Fay again,,',
        'gus@example.com,"Gus ""The Bus"" Hill",,A3',
      ),
    );
    expect(errors).toEqual([
      { line: 2, message: 'name must be one line of at most 200 characters' },
      { line: 4, message: 'email "not-an-address" is not a plain email address' },
      { line: 5, message: 'email is empty: every row needs the address the customer writes from' },
      { line: 6, message: 'registered_email "dan at home" is not a plain email address' },
      { line: 8, message: 'has 5 fields, the header has 4' },
      { line: 9, message: 'fay@example.com is already on line 7; give each customer one row' },
    ]);
    expect(records.map((r) => [r.line, r.email, r.name])).toEqual([
      [7, 'fay@example.com', 'Fay'],
      [10, 'gus@example.com', 'Gus "The Bus" Hill'],
    ]);
  });

  it('refuses a header it does not know, naming the columns it takes', () => {
    expect(readCustomerCsv(csv('email,phone', 'a@example.com,0123')).errors).toEqual([{ line: 1, message: 'unknown column "phone"; the columns are email, name, registered_email, account' }]);
    expect(readCustomerCsv(csv('name,account', 'Al,1')).errors).toEqual([{ line: 1, message: 'no email column; the first line must name the columns (email, name, registered_email, account)' }]);
    expect(readCustomerCsv(csv('email,email', 'a@example.com,b@example.com')).errors).toEqual([{ line: 1, message: 'the column email is named twice' }]);
    expect(readCustomerCsv('').errors).toEqual([{ line: 1, message: 'the file is empty; the first line must name the columns (email, name, registered_email, account)' }]);
  });

  it('reports a file that is not CSV at the line where the parser gave up', () => {
    expect(readCustomerCsv(csv('email,name', 'a@example.com,"Al', 'b@example.com,Bo')).errors).toEqual([
      { line: 5, message: 'not readable as CSV: Quote Not Closed: the parsing is finished with an opening quote at line 5' },
    ]);
  });

  it('a name with a line break in a single customer (redress customers set) is refused', () => {
    expect(readCustomer('al@example.com', { name: 'Al\nBcc: x@y' })).toEqual({ line: 0, message: 'name must be one line of at most 200 characters' });
  });
});

describe('what a row does to the stored customer', () => {
  const stored: StoredCustomer = { email: 'alice@example.com', display_name: 'Alice Smith', registered_email: 'alice@home.example', account: 'ACC-1' };
  const row = { line: 2, email: 'alice@example.com' };

  it('creates a customer not stored yet', () => {
    expect(customerChange(undefined, row)).toBe('created');
  });

  it('leaves one alone when every given cell matches or is empty: an import is idempotent', () => {
    expect(customerChange(stored, { ...row, name: 'Alice Smith', registeredEmail: 'alice@home.example', account: 'ACC-1' })).toBe('unchanged');
    expect(customerChange(stored, row)).toBe('unchanged');
  });

  it.each([
    ['name', { name: 'Alice Jones' }],
    ['registered address', { registeredEmail: 'alice@work.example' }],
    ['account', { account: 'ACC-2' }],
  ])('updates one whose %s differs', (_what, fields) => {
    expect(customerChange(stored, { ...row, ...fields })).toBe('updated');
  });
});
