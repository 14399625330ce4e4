/**
 * The workbook a new connection starts from: a small ERP a person can open and edit in Excel or LibreOffice.
 */
import type { FieldType } from '../../encoding/field-values.js'
import { wallClockFromUtcDate } from '../../encoding/wall-clock.js'
import { wallClockToSerial, type RawCell, type RawSheet, type RawWorkbook } from './cells.js'
import { ERP_KEY, FIELDS_HEADER, FIELDS_SHEET, LAST_MODIFIED, PARENT_KEY, PARENT_TYPE } from './workbook.js'

interface TemplateField {
  key: string
  type: FieldType
  display: string
  access?: 'Mandatory' | 'ReadOnly'
  list?: string
  maxLength?: number
  generated?: string
  searchable?: boolean
  description?: string
}

const ADDRESS: TemplateField[] = [
  { key: 'NAME', type: 'Text', display: 'US:"Name";NO:"Navn"', access: 'Mandatory', maxLength: 200 },
  { key: 'POSTALAD1', type: 'Text', display: 'US:"Postal address 1";NO:"Postadresse 1"' },
  { key: 'POSTALAD2', type: 'Text', display: 'US:"Postal address 2";NO:"Postadresse 2"' },
  { key: 'POSTALZIP', type: 'Text', display: 'US:"Postcode";NO:"Postnummer"', maxLength: 20 },
  { key: 'POSTALCITY', type: 'Text', display: 'US:"City";NO:"Poststed"' },
  { key: 'PHONE', type: 'Text', display: 'US:"Phone";NO:"Telefon"' },
  { key: 'EMAIL', type: 'Text', display: 'US:"E-mail";NO:"E-post"' },
]

const TRADE: TemplateField[] = [
  { key: 'CreditLimit', type: 'Double', display: 'US:"Credit limit";NO:"Kredittgrense"' },
  { key: 'StartDate', type: 'Datetime', display: 'US:"Customer since";NO:"Kunde siden"' },
  { key: 'Active', type: 'Checkbox', display: 'US:"Active";NO:"Aktiv"' },
]

const SHEETS: Array<{ name: string; parent?: true; fields: TemplateField[]; rows: Array<Record<string, RawCell | Date>> }> = [
  {
    name: 'Customer',
    fields: [
      { key: 'CustNo', type: 'Integer', display: 'US:"Customer number";NO:"Kundenummer"', access: 'ReadOnly', generated: '{n}', description: 'Given by the ERP when the customer is created' },
      ...ADDRESS,
      { key: 'CustGr', type: 'List', display: 'US:"Customer group";NO:"Kundegruppe"', list: 'CustomerGroup' },
      ...TRADE,
    ],
    rows: [
      { ErpKey: '1', CustNo: 1001, NAME: 'Nordic Tools AS', POSTALAD1: 'Storgata 1', POSTALZIP: '0155', POSTALCITY: 'Oslo', PHONE: '+47 22 00 00 00', EMAIL: 'post@nordictools.example', CustGr: '2', CreditLimit: 50000, StartDate: new Date(Date.UTC(2019, 0, 15)), Active: true },
      { ErpKey: '2', CustNo: 1002, NAME: 'Fjord Café', POSTALAD1: 'Bryggen 5', POSTALZIP: '5003', POSTALCITY: 'Bergen', EMAIL: 'hei@fjordcafe.example', CustGr: '1', CreditLimit: 2500.5, StartDate: new Date(Date.UTC(2023, 5, 1, 9, 30)), Active: false },
    ],
  },
  {
    name: 'Supplier',
    fields: [
      { key: 'SupNo', type: 'Integer', display: 'US:"Supplier number";NO:"Leverandørnummer"', access: 'ReadOnly', generated: '{n}' },
      ...ADDRESS,
      { key: 'SupGr', type: 'List', display: 'US:"Supplier group";NO:"Leverandørgruppe"', list: 'SupplierGroup' },
      ...TRADE,
    ],
    rows: [{ ErpKey: '1', SupNo: 2001, NAME: 'Steel & Sons Ltd', POSTALCITY: 'Sheffield', SupGr: '1', CreditLimit: 0, Active: true }],
  },
  {
    name: 'Person',
    parent: true,
    fields: [
      { key: 'PersonNo', type: 'Integer', display: 'US:"Person number";NO:"Personnummer"', access: 'ReadOnly', generated: '{n}' },
      { key: 'FIRSTNAME', type: 'Text', display: 'US:"First name";NO:"Fornavn"' },
      { key: 'LASTNAME', type: 'Text', display: 'US:"Last name";NO:"Etternavn"', access: 'Mandatory' },
      { key: 'EMAIL', type: 'Text', display: 'US:"E-mail";NO:"E-post"' },
      { key: 'PHONE_DIRECT', type: 'Text', display: 'US:"Direct phone";NO:"Direktenummer"' },
      { key: 'BIRTHDATE', type: 'Datetime', display: 'US:"Birth date";NO:"Fødselsdato"' },
    ],
    rows: [
      { ErpKey: '1', ParentActorType: 'Customer', ParentErpKey: '1', PersonNo: 1, FIRSTNAME: 'Kari', LASTNAME: 'Nordmann', EMAIL: 'kari@nordictools.example', PHONE_DIRECT: '+47 900 00 001' },
      { ErpKey: '2', ParentActorType: 'Customer', ParentErpKey: '2', PersonNo: 2, FIRSTNAME: 'Ola', LASTNAME: 'Hansen', BIRTHDATE: new Date(Date.UTC(1980, 11, 31)) },
    ],
  },
  {
    name: 'Project',
    fields: [
      { key: 'ProjNo', type: 'Text', display: 'US:"Project number";NO:"Prosjektnummer"', access: 'ReadOnly', generated: 'PROJ{n}' },
      { key: 'NAME', type: 'Text', display: 'US:"Name";NO:"Navn"', access: 'Mandatory', maxLength: 200 },
      { key: 'TEXT', type: 'Text', display: 'US:"Description";NO:"Beskrivelse"' },
      { key: 'ENDDATE', type: 'Datetime', display: 'US:"End date";NO:"Sluttdato"' },
      { key: 'ProjType', type: 'List', display: 'US:"Project type";NO:"Prosjekttype"', list: 'ProjectType' },
    ],
    rows: [{ ErpKey: '1', ProjNo: 'PROJ1', NAME: 'New warehouse', TEXT: 'Racking and forklifts for the Oslo warehouse', ENDDATE: new Date(Date.UTC(2027, 2, 31)), ProjType: '2' }],
  },
]

const LISTS: Record<string, Array<[string, string]>> = {
  CustomerGroup: [
    ['1', 'Retail'],
    ['2', 'Wholesale'],
    ['3', 'Partner'],
  ],
  SupplierGroup: [
    ['1', 'Goods'],
    ['2', 'Services'],
  ],
  ProjectType: [
    ['1', 'Internal'],
    ['2', 'Customer project'],
  ],
}

/** The template, with LastModified set to `now` on its example rows. */
export function templateWorkbook(now = new Date()): RawWorkbook {
  const cell = (value: RawCell | Date | undefined): RawCell =>
    value instanceof Date ? { serial: wallClockToSerial(wallClockFromUtcDate(value)) } : (value ?? null)
  const sheets: RawSheet[] = SHEETS.map((sheet) => {
    const header = [ERP_KEY, LAST_MODIFIED, ...(sheet.parent ? [PARENT_TYPE, PARENT_KEY] : []), ...sheet.fields.map((f) => f.key)]
    const rows = sheet.rows.map((row) => header.map((key) => (key === LAST_MODIFIED ? now.toISOString() : cell(row[key]))))
    return { name: sheet.name, rows: [header, ...rows] }
  })
  const fields: RawCell[][] = [[...FIELDS_HEADER]]
  for (const sheet of SHEETS) {
    for (const f of sheet.fields) {
      fields.push([sheet.name, f.key, f.display, f.type, f.access ?? 'Normal', f.list ?? '', f.maxLength ?? null, f.searchable === false ? 'No' : 'Yes', f.generated ?? '', f.description ?? ''])
    }
  }
  const lists = Object.entries(LISTS).map(([name, items]): RawSheet => ({ name, rows: [['Key', 'Text'], ...items] }))
  return { sheets: [...sheets, { name: FIELDS_SHEET, rows: fields }, ...lists] }
}
