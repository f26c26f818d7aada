import { Session } from 'chdb';
const s = new Session('/tmp/chdb-sec-sql-probe2');
const other = process.argv[2] === 'two' ? new Session('/tmp/chdb-sec-sql-probe2') : s;
const heavy = s.queryAsync("SELECT number % 1000003 AS k, count() FROM numbers(1e11) GROUP BY k SETTINGS max_execution_time=3, max_threads=1", { format: 'JSONEachRow' }).catch(e => e.message.slice(0,60));
await new Promise(r => setTimeout(r, 300));
for (let i = 0; i < 5; i++) { const t = performance.now(); await other.queryAsync('SELECT 1'); console.log('select 1 took', (performance.now() - t).toFixed(1)); await new Promise(r => setTimeout(r, 200)); }
console.log(await heavy);
s.close();
