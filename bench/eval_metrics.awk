# Detection quality of one config on one synthetic register, from the
# register's ground truth (truth.csv, read only here) and `tipwatch rank`
# lists (entity_key,score,level,top_indicators; highest score first).
# Usage: awk -f eval_metrics.awk truth.csv application.csv worker.csv \
#            employer.csv intermediary.csv
# Prints one line: worker_recall p100 lookalike_rate typologies_found/total
#                  pr_auc_application pr_auc_worker pr_auc_employer
#                  pr_auc_intermediary lookalikes planted_employers_and_intermediaries
# - worker recall: planted workers at level low or above / planted workers
# - p100: planted among the 100 highest-scored employers and intermediaries
# - look-alike rate: look-alike applications, workers, employers and
#   intermediaries at level low or above / all of them (addresses and
#   phones are left out: their keys in truth.csv are not normalised)
# - typologies found: typologies with at least one planted entity alerted
# - PR-AUC: average precision of planted vs the rest over every entity of
#   the kind, tied scores taken as one step
BEGIN { FS = "," }
FNR == 1 { file++; kind = file == 2 ? "application" : file == 3 ? "worker" : \
                         file == 4 ? "employer" : "intermediary"; next }
file == 1 {
    t = $3
    if (t != "application" && t != "worker" && t != "employer" && t != "intermediary")
        next
    if ($5 == "planted") { planted[t SUBSEP $4] = 1; typo[t SUBSEP $4] = $2; typos[$2] = 1;
                           if (t == "worker") nworkers++
                           if (t == "employer" || t == "intermediary") nowners++ }
    else if ($5 == "lookalike") { look[t SUBSEP $4] = 1; nlook++ }
    next
}
{
    key = $1; score = $2 + 0; level = $3
    if (substr(key, 1, 1) == "\"") { key = substr(key, 2, length(key) - 2) }
    id = kind SUBSEP key
    alerted = level != "none"
    if (alerted && (id in planted)) {
        found[typo[id]] = 1
        if (kind == "worker") wrec++
    }
    if (alerted && (id in look)) lalerted++
    # average precision, ties as one step
    if (n[kind] > 0 && score != last[kind]) flush(kind)
    last[kind] = score; n[kind]++
    if (id in planted) { gp[kind]++ } else { gn[kind]++ }
    if ((kind == "employer" || kind == "intermediary") && n[kind] <= 100)
        top[++ntop] = score SUBSEP (id in planted)
}
function flush(k) {
    tp[k] += gp[k]; fp[k] += gn[k]
    if (gp[k] > 0) ap[k] += gp[k] * tp[k] / (tp[k] + fp[k])
    gp[k] = 0; gn[k] = 0
}
END {
    split("application worker employer intermediary", kinds, " ")
    for (i = 1; i <= 4; i++) {
        k = kinds[i]; flush(k); P = 0
        for (id in planted) { split(id, parts, SUBSEP); if (parts[1] == k) P++ }
        auc[k] = P > 0 ? ap[k] / P : -1
    }
    # top 100 of employers and intermediaries together, by score
    for (i = 1; i <= ntop; i++) { split(top[i], p, SUBSEP); sc[i] = p[1] + 0; pl[i] = p[2] }
    hit = 0; m = ntop < 100 ? ntop : 100
    for (j = 1; j <= m; j++) {  # the m best of the two lists' first 100
        best = 0
        for (i = 1; i <= ntop; i++) if (!(i in used) && (best == 0 || sc[i] > sc[best])) best = i
        used[best] = 1; hit += pl[best]
    }
    nt = 0; nf = 0
    for (t in typos) { nt++; if (t in found) nf++ }
    printf "%.3f %.3f %.4f %d/%d %.3f %.3f %.3f %.3f %d %d\n", \
        nworkers ? wrec / nworkers : 0, m ? hit / m : 0, nlook ? lalerted / nlook : 0, \
        nf, nt, auc["application"], auc["worker"], auc["employer"], auc["intermediary"], nlook, \
        nowners
}
