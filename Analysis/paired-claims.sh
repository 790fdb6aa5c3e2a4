#!/bin/sh
# The paired comparisons behind the claim tables of Analysis/FINDINGS.md (Δ = second − first).
# Run from the repository root after `make build`: sh Analysis/paired-claims.sh
set -e
SIFT=${SIFT:-.build/release/sift}
echo '== fig3 fid-oracle g1.0 N1->16'
"$SIFT" compare --in Results/fig3-oracle candidates=1,guidance=1.0,verifier=fid-oracle candidates=16,guidance=1.0,verifier=fid-oracle --metrics fid,is_mean,recall
echo '== fig3 fid-oracle g2.0 N1->16'
"$SIFT" compare --in Results/fig3-oracle candidates=1,guidance=2.0,verifier=fid-oracle candidates=16,guidance=2.0,verifier=fid-oracle --metrics fid,is_mean,recall
echo '== fig3 is-oracle g1.0 N1->16'
"$SIFT" compare --in Results/fig3-oracle candidates=1,guidance=1.0,verifier=is-oracle candidates=16,guidance=1.0,verifier=is-oracle --metrics is_mean,precision
echo '== fig3 guidance lifts the start'
"$SIFT" compare --in Results/fig3-oracle candidates=1,guidance=1.0,verifier=fid-oracle candidates=1,guidance=2.0,verifier=fid-oracle --metrics fid,is_mean
echo '== fig3 is-oracle g2.0 N4->16'
"$SIFT" compare --in Results/fig3-oracle candidates=4,guidance=2.0,verifier=is-oracle candidates=16,guidance=2.0,verifier=is-oracle --metrics fid,recall
echo '== fig3 fid-oracle g1.0 N4->16'
"$SIFT" compare --in Results/fig3-oracle candidates=4,guidance=1.0,verifier=fid-oracle candidates=16,guidance=1.0,verifier=fid-oracle --metrics fid
echo '== fig3 g1.0 N16 is-oracle->fid-oracle'
"$SIFT" compare --in Results/fig3-oracle candidates=16,guidance=1.0,verifier=is-oracle candidates=16,guidance=1.0,verifier=fid-oracle --metrics fid
echo '== fig13 N1->64'
"$SIFT" compare --in Results/fig13-verifier-hacking candidates=1 candidates=64 --metrics score.mean,fid,is_mean
echo '== fig13 N1->8'
"$SIFT" compare --in Results/fig13-verifier-hacking candidates=1 candidates=8 --metrics recall
echo '== fig13 N8->64'
"$SIFT" compare --in Results/fig13-verifier-hacking candidates=8 candidates=64 --metrics recall,fid
echo '== fig13 N1->32'
"$SIFT" compare --in Results/fig13-verifier-hacking candidates=1 candidates=32 --metrics precision
echo '== fig13 N16->32'
"$SIFT" compare --in Results/fig13-verifier-hacking candidates=16 candidates=32 --metrics fid
echo '== 8 steps -> search N32'
"$SIFT" compare Results/fig1-steps/587848237c0b6e72 Results/fig1-search/c9c623085f277664 --metrics fid,is_mean
echo '== vit g1 N1->16'
"$SIFT" compare --in Results/fig4-supervised candidates=1,guidance=1.0,verifier=clf-vit candidates=16,guidance=1.0,verifier=clf-vit --metrics fid,is_mean
echo '== vit g2 N1->16'
"$SIFT" compare --in Results/fig4-supervised candidates=1,guidance=2.0,verifier=clf-vit candidates=16,guidance=2.0,verifier=clf-vit --metrics fid,is_mean
echo '== mlp g2 N4->16'
"$SIFT" compare --in Results/fig4-supervised candidates=4,guidance=2.0,verifier=clf-mlp candidates=16,guidance=2.0,verifier=clf-mlp --metrics fid,score.mean,recall
echo '== mlp g1.5 N4->16'
"$SIFT" compare --in Results/fig4-supervised candidates=4,guidance=1.5,verifier=clf-mlp candidates=16,guidance=1.5,verifier=clf-mlp --metrics fid,score.mean
echo '== guidance lifts start'
"$SIFT" compare --in Results/fig4-supervised candidates=1,guidance=1.0,verifier=clf-vit candidates=1,guidance=2.0,verifier=clf-vit --metrics fid,is_mean
echo '== random16 -> ZO-4 it4'
"$SIFT" compare Results/fig6-random/3843dfc5f3fbc43d Results/fig6-zero-order/94848c79ae900dd0 --metrics fid,is_mean,recall
echo '== random16 -> ZO-2 it4'
"$SIFT" compare Results/fig6-random/3843dfc5f3fbc43d Results/fig6-zero-order/c9b8a06991e35e72 --metrics fid,is_mean,recall
echo '== random16 -> Paths-4 M2'
"$SIFT" compare Results/fig6-random/3843dfc5f3fbc43d Results/fig6-paths/db0c7c21abb6c3da --metrics fid,is_mean,recall
echo '== random32 -> Paths-4 M4'
"$SIFT" compare Results/fig6-random/cbdf3ad6a59e5c73 Results/fig6-paths/9d94ea9a32fff288 --metrics fid,is_mean,recall
echo '== random32 -> ZO-8 it4'
"$SIFT" compare Results/fig6-random/cbdf3ad6a59e5c73 Results/fig6-zero-order/658085fe60016f94 --metrics fid,is_mean,recall
echo '== random8(201) -> ZO-2 it4(220)'
"$SIFT" compare Results/fig6-random/37ae60279022d3f0 Results/fig6-zero-order/c9b8a06991e35e72 --metrics fid,is_mean,recall
echo '== sit-l N1 -> sit-b N4'
"$SIFT" compare --in Results/fig11-model-size candidates=1,model=sit-l candidates=4,model=sit-b --metrics fid,is_mean
echo '== sit-l N1 -> sit-b N16'
"$SIFT" compare --in Results/fig11-model-size candidates=1,model=sit-l candidates=16,model=sit-b --metrics fid,is_mean
echo '== sit-b N1 -> sit-s N16'
"$SIFT" compare --in Results/fig11-model-size candidates=1,model=sit-b candidates=16,model=sit-s --metrics fid,is_mean
echo '== sit-b N1 -> sit-s N4'
"$SIFT" compare --in Results/fig11-model-size candidates=1,model=sit-b candidates=4,model=sit-s --metrics fid,is_mean
echo '== sit-l N2(22) -> sit-b N8(25)'
"$SIFT" compare --in Results/fig11-model-size candidates=2,model=sit-l candidates=8,model=sit-b --metrics fid,is_mean
echo '== s->b no search'
"$SIFT" compare --in Results/fig11-model-size candidates=1,model=sit-s candidates=1,model=sit-b --metrics fid,is_mean
echo '== b->l no search'
"$SIFT" compare --in Results/fig11-model-size candidates=1,model=sit-b candidates=1,model=sit-l --metrics fid,is_mean
echo '== b->l N16'
"$SIFT" compare --in Results/fig11-model-size candidates=16,model=sit-b candidates=16,model=sit-l --metrics fid,is_mean
echo '== is-oracle col: clf-mlp->is-oracle'
"$SIFT" compare --in Results/table2-verifier-matrix candidates=16,verifier=clf-mlp candidates=16,verifier=is-oracle --metrics held_out.is-oracle
echo '== clf-mlp col: ens->clf-mlp'
"$SIFT" compare --in Results/table2-verifier-matrix 'candidates=16,verifier=mean-rank(clf-mlp,clf-vit,self-similarity:clf-vit)' candidates=16,verifier=clf-mlp --metrics held_out.clf-mlp
echo '== clf-vit col: ens->clf-vit'
"$SIFT" compare --in Results/table2-verifier-matrix 'candidates=16,verifier=mean-rank(clf-mlp,clf-vit,self-similarity:clf-vit)' candidates=16,verifier=clf-vit --metrics held_out.clf-vit
echo '== ssl col: ens->ssl'
"$SIFT" compare --in Results/table2-verifier-matrix 'candidates=16,verifier=mean-rank(clf-mlp,clf-vit,self-similarity:clf-vit)' candidates=16,verifier=self-similarity:clf-vit --metrics held_out.self-similarity:clf-vit
echo '== clf-mlp->ens'
"$SIFT" compare --in Results/table2-verifier-matrix candidates=16,verifier=clf-mlp 'candidates=16,verifier=mean-rank(clf-mlp,clf-vit,self-similarity:clf-vit)' --metrics held_out.is-oracle,held_out.clf-vit,held_out.self-similarity:clf-vit,fid,is_mean
echo '== clf-vit->ens'
"$SIFT" compare --in Results/table2-verifier-matrix candidates=16,verifier=clf-vit 'candidates=16,verifier=mean-rank(clf-mlp,clf-vit,self-similarity:clf-vit)' --metrics held_out.is-oracle,held_out.clf-mlp,held_out.self-similarity:clf-vit,fid,is_mean
echo '== is-oracle->fid-oracle'
"$SIFT" compare --in Results/table2-verifier-matrix candidates=16,verifier=is-oracle candidates=16,verifier=fid-oracle --metrics fid
echo '== is-oracle->clf-mlp'
"$SIFT" compare --in Results/table2-verifier-matrix candidates=16,verifier=is-oracle candidates=16,verifier=clf-mlp --metrics fid,is_mean
echo '== steps 8->128'
"$SIFT" compare --in Results/fig1-steps final_steps=8 final_steps=128 --metrics fid,is_mean
echo '== steps 4->8'
"$SIFT" compare --in Results/fig1-steps final_steps=4 final_steps=8 --metrics fid,is_mean
echo '== search 16->32'
"$SIFT" compare --in Results/fig1-search candidates=16 candidates=32 --metrics fid,is_mean,recall,precision
echo '== search 1->32'
"$SIFT" compare --in Results/fig1-search candidates=1 candidates=32 --metrics fid,is_mean,recall,precision,score.mean
echo '== search 8->32 recall'
"$SIFT" compare --in Results/fig1-search candidates=8 candidates=32 --metrics recall
echo '== fig4 g1.0 N16 vit->mlp'
"$SIFT" compare --in Results/fig4-supervised candidates=16,guidance=1.0,verifier=clf-vit candidates=16,guidance=1.0,verifier=clf-mlp --metrics fid,is_mean,recall
echo '== fig4 g1.0 mlp N1->16'
"$SIFT" compare --in Results/fig4-supervised candidates=1,guidance=1.0,verifier=clf-mlp candidates=16,guidance=1.0,verifier=clf-mlp --metrics fid,is_mean,recall
echo '== fig4 g1.5 N16 vit->mlp'
"$SIFT" compare --in Results/fig4-supervised candidates=16,guidance=1.5,verifier=clf-vit candidates=16,guidance=1.5,verifier=clf-mlp --metrics fid,is_mean,recall
echo '== fig4 g1.5 mlp N1->16'
"$SIFT" compare --in Results/fig4-supervised candidates=1,guidance=1.5,verifier=clf-mlp candidates=16,guidance=1.5,verifier=clf-mlp --metrics fid,is_mean,recall
echo '== fig4 g2.0 N16 vit->mlp'
"$SIFT" compare --in Results/fig4-supervised candidates=16,guidance=2.0,verifier=clf-vit candidates=16,guidance=2.0,verifier=clf-mlp --metrics fid,is_mean,recall
echo '== fig4 g2.0 mlp N1->16'
"$SIFT" compare --in Results/fig4-supervised candidates=1,guidance=2.0,verifier=clf-mlp candidates=16,guidance=2.0,verifier=clf-mlp --metrics fid,is_mean,recall
echo '== fig4 g1.5 vit N1->16'
"$SIFT" compare --in Results/fig4-supervised candidates=1,guidance=1.5,verifier=clf-vit candidates=16,guidance=1.5,verifier=clf-vit --metrics fid,is_mean
echo '== ZO-2 it4 (220) -> ZO-8 it2 (372)'
"$SIFT" compare --in Results/fig6-zero-order neighbours=2,iterations=4 neighbours=8,iterations=2 --metrics fid,is_mean
echo '== Paths-4 M1->M4 recall'
"$SIFT" compare --in Results/fig6-paths paths=4,width=1 paths=4,width=4 --metrics recall,fid
echo '== ZO-2 it1->it4'
"$SIFT" compare --in Results/fig6-zero-order neighbours=2,iterations=1 neighbours=2,iterations=4 --metrics fid,is_mean,score.mean,recall
echo '== Paths-1 M1->4'
"$SIFT" compare --in Results/fig6-paths paths=1,width=1 paths=1,width=4 --metrics fid,is_mean,score.mean,recall
echo '== Paths-4 M1->4'
"$SIFT" compare --in Results/fig6-paths paths=4,width=1 paths=4,width=4 --metrics is_mean,score.mean
echo '== ZO-8 1->4'
"$SIFT" compare --in Results/fig6-zero-order neighbours=8,iterations=1 neighbours=8,iterations=4 --metrics fid,is_mean,score.mean
echo '== random 1->32'
"$SIFT" compare --in Results/fig6-random candidates=1 candidates=32 --metrics fid,is_mean,score.mean,recall
echo '== random 4->16 recall'
"$SIFT" compare --in Results/fig6-random candidates=4 candidates=16 --metrics recall
echo '== ZO-2 vs ZO-4 it4'
"$SIFT" compare --in Results/fig6-zero-order neighbours=2,iterations=4 neighbours=4,iterations=4 --metrics fid,score.mean
echo '== ZO-4 it4 vs ZO-8 it2 (372 both)'
"$SIFT" compare --in Results/fig6-zero-order neighbours=4,iterations=4 neighbours=8,iterations=2 --metrics fid,score.mean
echo '== ssl N1->16 g1.0'
"$SIFT" compare --in Results/fig5-self-supervised candidates=1,guidance=1.0 candidates=16,guidance=1.0 --metrics fid,is_mean,score.mean
echo '== ssl N4->16 g1.0'
"$SIFT" compare --in Results/fig5-self-supervised candidates=4,guidance=1.0 candidates=16,guidance=1.0 --metrics fid,is_mean
echo '== ssl N1->16 g1.5'
"$SIFT" compare --in Results/fig5-self-supervised candidates=1,guidance=1.5 candidates=16,guidance=1.5 --metrics fid,is_mean,score.mean
echo '== ssl N4->16 g1.5'
"$SIFT" compare --in Results/fig5-self-supervised candidates=4,guidance=1.5 candidates=16,guidance=1.5 --metrics fid,is_mean
echo '== ssl N1->16 g2.0'
"$SIFT" compare --in Results/fig5-self-supervised candidates=1,guidance=2.0 candidates=16,guidance=2.0 --metrics fid,is_mean,score.mean
echo '== ssl N4->16 g2.0'
"$SIFT" compare --in Results/fig5-self-supervised candidates=4,guidance=2.0 candidates=16,guidance=2.0 --metrics fid,is_mean
echo '== ssl->clf-vit N16 g1.0'
"$SIFT" compare Results/fig5-self-supervised/1004cc81bf0d04e0 Results/fig4-supervised/3843dfc5f3fbc43d --metrics fid,is_mean
echo '== ssl->clf-vit N16 g1.5'
"$SIFT" compare Results/fig5-self-supervised/bd9ad0a82e29babf Results/fig4-supervised/52d74b3a849dee7a --metrics fid,is_mean
echo '== ssl->clf-vit N16 g2.0'
"$SIFT" compare Results/fig5-self-supervised/208912d0fffee10f Results/fig4-supervised/4b2233339026e08a --metrics fid,is_mean
echo '== steps2 N1->16'
"$SIFT" compare --in Results/fig10-nfe-per-iteration candidates=1,search_steps=2 candidates=16,search_steps=2 --metrics fid,is_mean,score.mean
echo '== steps5 N1->16'
"$SIFT" compare --in Results/fig10-nfe-per-iteration candidates=1,search_steps=5 candidates=16,search_steps=5 --metrics fid,is_mean,score.mean
echo '== steps10 N1->16'
"$SIFT" compare --in Results/fig10-nfe-per-iteration candidates=1,search_steps=10 candidates=16,search_steps=10 --metrics fid,is_mean,score.mean
echo '== steps25 N1->16'
"$SIFT" compare --in Results/fig10-nfe-per-iteration candidates=1,search_steps=25 candidates=16,search_steps=25 --metrics fid,is_mean,score.mean
echo '== N16 steps2->5'
"$SIFT" compare --in Results/fig10-nfe-per-iteration candidates=16,search_steps=2 candidates=16,search_steps=5 --metrics fid,is_mean,score.mean
echo '== N16 steps2->10'
"$SIFT" compare --in Results/fig10-nfe-per-iteration candidates=16,search_steps=2 candidates=16,search_steps=10 --metrics fid,is_mean,score.mean
echo '== N16 steps2->25'
"$SIFT" compare --in Results/fig10-nfe-per-iteration candidates=16,search_steps=2 candidates=16,search_steps=25 --metrics fid,is_mean,score.mean
echo '== 98NFE steps25 N2 -> 97NFE steps2 N16'
"$SIFT" compare --in Results/fig10-nfe-per-iteration candidates=2,search_steps=25 candidates=16,search_steps=2 --metrics fid,is_mean,score.mean
echo '== N16 steps10->25'
"$SIFT" compare --in Results/fig10-nfe-per-iteration candidates=16,search_steps=10 candidates=16,search_steps=25 --metrics fid,is_mean,score.mean
echo '== none->fid-oracle'
"$SIFT" compare --in Results/table2-verifier-matrix candidates=1,verifier=clf-vit candidates=16,verifier=fid-oracle --metrics held_out.is-oracle,held_out.clf-mlp,held_out.clf-vit,held_out.self-similarity:clf-vit,fid,is_mean
echo '== none->is-oracle'
"$SIFT" compare --in Results/table2-verifier-matrix candidates=1,verifier=clf-vit candidates=16,verifier=is-oracle --metrics held_out.is-oracle,held_out.clf-mlp,held_out.clf-vit,held_out.self-similarity:clf-vit,fid,is_mean
echo '== none->clf-mlp'
"$SIFT" compare --in Results/table2-verifier-matrix candidates=1,verifier=clf-vit candidates=16,verifier=clf-mlp --metrics held_out.is-oracle,held_out.clf-mlp,held_out.clf-vit,held_out.self-similarity:clf-vit,fid,is_mean
echo '== none->clf-vit'
"$SIFT" compare --in Results/table2-verifier-matrix candidates=1,verifier=clf-vit candidates=16,verifier=clf-vit --metrics held_out.is-oracle,held_out.clf-mlp,held_out.clf-vit,held_out.self-similarity:clf-vit,fid,is_mean
echo '== none->self-similarity'
"$SIFT" compare --in Results/table2-verifier-matrix candidates=1,verifier=clf-vit candidates=16,verifier=self-similarity:clf-vit --metrics held_out.is-oracle,held_out.clf-mlp,held_out.clf-vit,held_out.self-similarity:clf-vit,fid,is_mean
echo '== none->mean-rank(clf-mlp,clf-vit,self-similarity)'
"$SIFT" compare --in Results/table2-verifier-matrix candidates=1,verifier=clf-vit 'candidates=16,verifier=mean-rank(clf-mlp,clf-vit,self-similarity:clf-vit)' --metrics held_out.is-oracle,held_out.clf-mlp,held_out.clf-vit,held_out.self-similarity:clf-vit,fid,is_mean
echo '== regime fig12 tau: 0.8 -> 0.95 at 4 iterations'
"$SIFT" compare --in Results/regime-fig12-zero-order-tau tau=0.8,iterations=4 tau=0.95,iterations=4 --metrics fid,is_mean,held_out.clf-mlp,held_out.is-oracle
echo '== regime fig12 tau: 0.99 -> 0.95 at 32 iterations'
"$SIFT" compare --in Results/regime-fig12-zero-order-tau tau=0.99,iterations=32 tau=0.95,iterations=32 --metrics fid,is_mean,held_out.clf-mlp
echo '== regime fig12 tau 0.8: 16 -> 32 iterations'
"$SIFT" compare --in Results/regime-fig12-zero-order-tau tau=0.8,iterations=16 tau=0.8,iterations=32 --metrics fid,held_out.clf-mlp,held_out.is-oracle,score.mean
echo '== regime fig12 tau 0.8 -> 0.95 and 0.9 -> 0.95 at 32 iterations'
"$SIFT" compare --in Results/regime-fig12-zero-order-tau tau=0.8,iterations=32 tau=0.95,iterations=32 --metrics fid,held_out.clf-mlp
"$SIFT" compare --in Results/regime-fig12-zero-order-tau tau=0.9,iterations=32 tau=0.95,iterations=32 --metrics fid,held_out.clf-mlp
echo '== regime fig12 random N=8/32/64/128 -> ZO-4 tau 0.8 at 4/8/16/32 iterations'
for pair in "791599fce34a9182 d55d8bd4ef88664e" "08e508e40f66f5e3 dc19949c6f32e2b2" "4c9cf12ae1eb8c64 65ce95160217a343" "930b215935ee6a03 72cda98ca436f639"; do
  set -- $pair
  "$SIFT" compare "Results/regime-fig6-random/$1" "Results/regime-fig12-zero-order-tau/$2" --metrics fid,is_mean,held_out.clf-mlp,held_out.is-oracle
done
echo '== regime table2: random N=16 -> ZO-2 / Paths-2 (same verifier, same 200 slots)'
while read v zo paths random; do
  for c in $zo $paths; do "$SIFT" compare "Results/table2-verifier-matrix/$random" "Results/regime-table2-algorithms/$c" --metrics fid,is_mean,held_out.is-oracle,held_out.clf-mlp,held_out.clf-vit; done
done <<'CELLS'
is-oracle 27d5674e5264fdb3 98d680001544acaf a5714a402fb0b74b
clf-mlp 8fd09626384f3a0f 30a11ce0a8aba8a3 208025ddfd3c4847
clf-vit d979cd6677c196d3 0adf1cf259222957 4ba387539ed8f25b
CELLS
echo '== regime table2: ZO-2 -> Paths-2 (mean-rank(clf-mlp,clf-vit); clf-vit)'
"$SIFT" compare Results/regime-table2-algorithms/a0fad4743f8bb551 Results/regime-table2-algorithms/e8ad583414f7b365 --metrics fid,is_mean,held_out.is-oracle,held_out.clf-mlp,held_out.clf-vit
"$SIFT" compare Results/regime-table2-algorithms/d979cd6677c196d3 Results/regime-table2-algorithms/0adf1cf259222957 --metrics fid,is_mean,held_out.is-oracle,held_out.clf-mlp,held_out.clf-vit
echo '== regime fig12 paths length at matched NFE and equal width'
for pair in "length=8,width=2 length=2,width=8" "length=4,width=4 length=2,width=8" "length=1,width=16 length=2,width=8" "length=8,width=4 length=2,width=16" "length=4,width=8 length=2,width=16" "length=1,width=16 length=8,width=16" "length=2,width=16 length=8,width=16"; do
  set -- $pair
  "$SIFT" compare --in Results/regime-fig12-paths-length "$1" "$2" --metrics fid,is_mean,held_out.clf-mlp,held_out.is-oracle
done
echo '== regime fig12 random N=16/32 -> paths L2 width 8/16'
"$SIFT" compare Results/regime-fig6-random/c16e974d259f5325 Results/regime-fig12-paths-length/6412c8c0270c6c8a --metrics fid,is_mean,held_out.clf-mlp,held_out.is-oracle
"$SIFT" compare Results/regime-fig6-random/08e508e40f66f5e3 Results/regime-fig12-paths-length/1726eb35d1260dc7 --metrics fid,is_mean,held_out.clf-mlp,held_out.is-oracle
