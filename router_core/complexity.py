"""How hard is a chat request? `classify()` returns a tier, a continuous difficulty score and reasons.

The classifier is pure Python + stdlib. It works in three steps:

1. **Split the ask from the material.** Pasted code (fenced or not), long quotes, data tables and
   long passages are *material*; the sentences that say what to do with them are the *ask*. The ask
   is what gets judged ("summarise this" over 5,000 words is still a summary); the material only
   contributes its size and kind. The options of a multiple-choice question are material too (the
   stem is the ask). Work on long inputs is bounded: the ask is cut to a window and the material is
   only measured with C-level string counts.
2. **Features that carry meaning** (`FEATURES`): pleasantries (greetings, thanks, acknowledgements),
   question forms (factoid / how-why / yes-no), task verbs by weight (explain, summarise, translate,
   rewrite < write, design, compare, debug, implement < prove, derive, architect, audit), requested
   length, multi-part structure and constraints, code and requests for code, basic vs advanced math,
   specialist domains with stakes (law, medicine, finance, security, large-scale systems, research),
   personal situation + judgement asks, and the ask-vs-material balance; plus rubric concepts built
   from them (a comparison that weighs trade-offs, large-scale system design, performance trouble in a
   large system, a security review, a clinical case, structured extraction from a long input, a unit
   conversion). Words that are a task verb only in the imperative ("Plan a trip" vs "the Pro plan")
   count as verbs only where a verb goes, and a few contexts are disambiguated ("status code",
   "treatment group", "multi-tenant", drug names by their INN stems). The lexicons cover English,
   Spanish, French, German and Portuguese.
3. **A small ordinal (cumulative-logit) model** over those features plus a few hashed word
   n-grams gives one latent difficulty `z`; four learned thresholds cut `z` into the five tiers and
   `z` is mapped monotonically into the tier's score band (TRIVIAL [0, .2), SIMPLE [.2, .4),
   MEDIUM [.4, .6), COMPLEX [.6, .8), EXPERT [.8, 1]), so the score orders prompts within and
   across tiers (within a tier the score leans on the reasoning load: math, code, sub-problems).
   The weights live in `complexity_weights.json`, written by `scripts/train_complexity.py` from
   `data/complexity-dev.jsonl` + `data/complexity-extra.jsonl`. A few things the rubric names EXPERT
   outright (a proof, large-scale system design, performance tuning at scale, a security review, a
   judgement call with consequences) are a floor on the tier.

Reasons are 1-3 short phrases, each a rubric concept that is true of the prompt ("comparison with
trade-offs", "short factual question", "long pasted text, easy task"), the verdict's own tier first.

With a message list the last user turn is judged in context: system prompts are ignored, a short
follow-up ("and now in Rust?", "make it shorter") inherits (roughly) the difficulty of the request
it follows, and a pleasantry ("thanks!") stays TRIVIAL.
"""

from __future__ import annotations

import json
import math
import re
import zlib
from pathlib import Path
from typing import Any, Iterable, Sequence

from .types import Complexity, Message, Verdict

__all__ = ["classify", "classify_text", "Complexity", "Verdict", "FEATURES", "extract_features",
           "hashed_ngrams", "TIER_BANDS", "WEIGHTS_PATH", "load_weights", "prepare_model", "split_ask"]

WEIGHTS_PATH = Path(__file__).with_name("complexity_weights.json")
TIERS = Complexity.tiers()
TIER_BANDS = {t: (i / 5, (i + 1) / 5) for i, t in enumerate(TIERS)}

# --------------------------------------------------------------------------------------------------
# Text normalisation
# --------------------------------------------------------------------------------------------------

_FOLD = str.maketrans({
    "á": "a", "à": "a", "â": "a", "ä": "a", "ã": "a", "å": "a", "é": "e", "è": "e", "ê": "e", "ë": "e",
    "í": "i", "ì": "i", "î": "i", "ï": "i", "ó": "o", "ò": "o", "ô": "o", "ö": "o", "õ": "o", "ú": "u",
    "ù": "u", "û": "u", "ü": "u", "ñ": "n", "ç": "c", "ß": "ss", "œ": "oe", "æ": "ae", "ÿ": "y",
    "’": "'", "‘": "'", "´": "'", "`": "'", "–": "-", "—": "-", "¿": " ", "¡": " ",
})
_CONTRACTION = re.compile(r"'(?=(?:s|t|m|re|ve|ll|d)\b)")
_TOKEN = re.compile(r"[a-z]+|\d+(?:[.,]\d+)*")
_REPEAT = re.compile(r"([a-z])\1{2,}")
_QUOTE = re.compile(r"[\"“«„]([^\"”»“]{60,})[\"”»“]")
_WORDCOUNT = re.compile(
    r"(\d[\d,]*)\s*[- ]?\s*(words?|palabras|mots|worter|wortern|palavras|lines?|sentences?|paragraphs?|pages?)\b")
_BIGNUM = re.compile(r"\b\d+(?:[.,]\d+)?\s?(?:k|m|b|bn|mm|million|billion|tb|gb|pb|ms|req/s|rps|qps)\b"
                     r"|\b\d{1,3}(?:,\d{3})+\b|\b\d{5,}\b")
_PARTS = re.compile(r"\b(?:statement|scenario|part|question|case|step|claim|premise|task)\s*(?:\d|[ivx]+\b|[a-d]\b)"
                    r"|(?:^|\n)\s*(?:\d{1,2}|[a-h])[.)]\s|\(\s*(?:\d|[a-h]|i{1,3}|iv)\s*\)\s")
# Multiple-choice options ("\nA. ...\nB. ...\nC. ..."): choices to pick from, not sub-tasks.
_MC_OPTIONS = re.compile(r"\n[ \t]*\(?A[.)][ \t][^\n]{0,300}\n[ \t]*\(?B[.)][ \t][^\n]{0,300}"
                         r"(?:\n[ \t]*\(?[C-H][.)][ \t][^\n]{0,300})+")
_MC_ANSWER = re.compile(r"\s*(?:answer|respuesta|reponse|réponse|antwort|resposta)\s*:?\s*$", re.I)
_LISTED = re.compile(r"\s*(?:\(?(?:\d{1,2}|[a-hA-H])[.):]|[-*•])\s")
_EMOJI = re.compile("[\U0001F300-\U0001FAFF\u2600-\u27BF]|[:;]-?[)(dp]|<3|\\^\\^")
_MATHSYM = re.compile(r"[=^<>∫∑√≤≥≠∞πθλ∂∇]|\d\s*[-+*/x×]\s*\d|\b(?:sin|cos|log|ln|exp)\b")
_ARITH = re.compile(r"\d\s*(?:[-+*/x×]|plus|minus|times|divided by)\s*\d|\d\s*%\s*of\s*\d|\bof\s+\d")

_LEN_UNIT = {"word": 1, "words": 1, "palabras": 1, "mots": 1, "worter": 1, "wortern": 1, "palavras": 1,
             "line": 10, "lines": 10, "sentence": 20, "sentences": 20, "paragraph": 100, "paragraphs": 100,
             "page": 400, "pages": 400}


def _fold(text: str) -> str:
    text = text.lower().translate(_FOLD)
    return _CONTRACTION.sub("", text)


def _tokens(folded: str) -> list[str]:
    return _TOKEN.findall(_REPEAT.sub(r"\1", folded))


# --------------------------------------------------------------------------------------------------
# Lexicons. One entry per comma; a space makes a phrase; a trailing * makes a prefix (>= 4 letters).
# Entries are folded like the text (lower case, accents stripped, English contractions joined).
# --------------------------------------------------------------------------------------------------

_LEXICON: dict[str, str] = {
    "greet": """whats good, wassup, hows your day, how is your day, how was your day, how was your weekend,
        hope youre well, hope you are well, happy new year, merry christmas, happy birthday, hi, hello, hey, heya,
        hiya, howdy, yo, greetings, good morning, good afternoon, good evening, morning, gm, hola, buenos dias,
        buenas tardes, buenas noches, buenas, bonjour, bonsoir, salut, coucou, hallo, servus, moin, guten morgen,
        guten tag, guten abend, ola, oi, bom dia, boa tarde, boa noite, ciao, happy friday, happy monday,
        happy holidays, hows it going, how are you, how r u, how are u, whats up, sup, anyone there, you there,
        hello there, nice to meet you, que tal, como estas, como esta, ca va, comment ca va, wie gehts,
        wie geht es dir, tudo bem, como vai""",
    "thanks": """thanks, thank, thx, ty, tysm, tyvm, thankyou, appreciate, appreciated, grateful, cheers, gracias,
        merci, danke, dankeschon, vielen dank, obrigado, obrigada, grazie, much appreciated, muchas gracias""",
    "ack": """got your, will reply, will get back to you, will check, no rush, take your time, all set, fair enough,
        sure thing, went fine, went well, of course, sounds great, thats everything, everything i needed, haha*,
        hehe*, all good now, ok, okay, okey, k, kk, got it, gotcha, cool, nice, great, perfect, awesome,
        sounds good, sure, yes, yep, yeah, yup, right, exactly, agreed, done, noted, understood, makes sense,
        will do, no worries, no problem, np, all good, fine, alright, lol, haha, lmao, confirmed, that worked,
        it worked, works now, sorted, go ahead, lets go with, option, vale, claro, d accord, daccord, parfait,
        genial, super, prima, alles klar, certo, beleza, entendi, perfeito, de nada, bien, bueno, sehr gut,
        tres bien, wow, neat, sweet""",
    "bye": """have a good weekend, have a great weekend, have a good day, have a great day, bonne journee,
        bonne soiree, buen dia, schonen tag, sleep well, bye, goodbye, see you, see ya, later, gn, good night,
        goodnight, talk tomorrow, talk soon, take care, adios, hasta luego, au revoir, a bientot, tschuss, bis bald,
        tchau, ate logo, thats all, all for now, have a good one, have a nice day""",
    "praise": """app is great, love your, love the app,
        youre the best, you are the best, you rock, you guys are great, love it, great job, well done,
        amazing, brilliant, legend, lifesaver, life saver, saved me, youre awesome, so helpful, very helpful,
        really helpful, super helpful""",
    "request": """can you, could you, would you, can u, help me, i need, i want, i would like, id like, give me,
        show me, tell me, make me, im looking for, looking for, need help, please help, pls help, let s,
        puedes, podrias, peux tu, pouvez vous, kannst du, konnen sie, pode, podes, voce pode, necesito,
        j ai besoin, ich brauche, preciso""",
    "interrog": """what, whats, how, hows, why, when, where, who, whos, whom, whose, which, is, are, was, were, do,
        does, did, can, could, would, will, should, shall, may, might, has, am, isnt, arent, dont, doesnt, didnt,
        cant, wont, que, cual, cuales, cuando, donde, quien, como, cuanto, cuanta, cuantos, cuantas, quel, quelle,
        quels, quelles, comment, pourquoi, quand, combien, est ce, wie, warum, wann, wo, wer, welche, welcher,
        welches, wieviel, qual, quais, quando, onde, quem, quanto, quantos, quantas, por que, porque""",
    "wh_fact": """who, when, where, what year, which year, what time, what day, what date, how many, how much,
        how long, how far, how old, how tall, how big, how often, capital of, stand for, stands for, what does,
        define, definition of, chemical symbol, symbol for, formula for, how do you say, how to say, convert,
        is there, do you, does it, can i, what port, by default, phone number, address, population, who wrote,
        who invented, who is, who was, what is the name, shortcut, a que hora, wie spat, wie viel, wieviel,
        quand, combien, quanto, quantos, quando, cuanto, cuantos, que hora, what language, which language,
        open, close, hours""",
    "how_why": """how does, how do, how to, how can, how should, how would, why, why does, why do, what causes,
        causes of, main causes, how it works, how works, como funciona, pourquoi, warum, por que, porque,
        comment fonctionne, wie funktioniert""",
    "t_explain": """explain, explains, explaining, explain*, explic*, expliq*, erklar*, describe, describes,
        describing, decris, decrivez, beschreibe, beschreiben, descreva, descrever, describa, tell me about,
        walk me through, walk through, eli5, in plain english, plain english, in simple terms, simple terms,
        like im five, help me understand, overview of, introduce, teach me, clarify, illustrate, elaborate,
        outline, list, give me, suggest, ideas for, tips for, examples of, what are the, what are some,
        what is the difference, ensina, ensename, apprends moi""",
    "t_transform": """punchier, catchier, snappier, clearer, friendlier, concise, more concise, tighten, make this,
        make it, improve this, improve the wording, translate, translating, translates, traduce, traduzca, traduis,
        traduisez, traduire, traduza, traduzir, ubersetz*, rewrite, rewrites, rewriting, rephrase, paraphrase,
        reword, proofread, proof read, edit, correct, fix the grammar, grammar, spelling, typos, polish, shorten,
        shorter, more professional, more formal, less formal, more casual, tone, simplify, summarize, summarise,
        summarizing, summarising, sum up, resume, resumir, resuma, resumen, resumez, zusammenfass*, fasse, tldr,
        tl dr, condense, reescrev*, reescrib*, reecri*, reformul*, umschreib*, formell, mais formal, plus formel,
        takeaways, bullet points, bullet point, key points, gist, make this sound, sound more, clean up, count,
        format, sort, convert, reformat, list only, cuenta, compte, zahle, conte""",
    "t_create": """make, write, draft, create, build, design, develop, compose, generate, produce, make me, prepare,
        plan, construct, set up, craft, come up with, put together, lay out, model, escribe, escriba, escreva,
        escrever, redacta, redacte, redige, redigez, ecris, ecrivez, schreibe, schreib, erstelle, erstellen,
        crea, cree, creez, cria, crie, disena, concois, concevez, entwirf, entwickle, desarrolla, desenvolva,
        elabora, elabore, prepara, prepare""",
    "t_analyze": """break down, compare, comparing, contrast, analyze, analyse, analyzing, analysing, evaluate,
        evaluating,
        assess, assessing, critique, review, reviewing, discuss, examine, investigate, weigh, decide,
        help me decide, recommend, argue, arguing, persuade, persuasive, compara, comparar, compare,
        vergleiche, vergleichen, analiza, analizar, analise, analisar, analysiere, analysieren, analysez,
        evalua, evalue, bewerte, diagnose, diagnosing, identify, interpret, estimate, forecast, prioritize,
        rank, rate, extract, classify, categorize, categorise, assign, group, tag, label, parse, cluster,
        extrae, extraire, extrahiere, extraia, classe, clasifica, agrupa""",
    "t_code": """implement, implementing, code, coding, debug, debugging, refactor, refactoring, fix, fixing,
        optimize, optimise, optimizing, optimising, profile, tests, unit tests, unit test, deploy, migrate,
        parallelize, vectorize, whats wrong, doesnt work, not working, wont compile, stack trace, traceback,
        bug, bugs, error, errors, crash, crashes, exception, compile, implementa, implemente, implementiere""",
    "t_expert": """prove, proving, prove that, show that, derive, deriving, demonstrate, demontrez, demontrer,
        demontre, demuestra, demuestre, demostrar, demonstre, demonstrar, beweise, beweisen, zeige dass,
        zeigen sie, montrez que, rigorously, rigorous, rigoureusement, rigorosamente,
        formally, from first principles, first principles, architect, threat model, audit, security review,
        pentest, penetration test, differential diagnosis, argue why, stating every assumption, imply, implies""",
    "t_math": """solve, find, calculate, compute, express, simplify, evaluate, determine, factor, factorise,
        factorize, expand, integrate, differentiate, estimate, resuelve, calcula, calcule, calculez, resolvez,
        berechne, lose, resolva, what is the probability, what is the value, how many, find the value""",
    "code_algo": """dijkstra, fibonacci heap, lower bound, amortized,
        algorithm, algorithms, time complexity, space complexity, complexity, big o, o n, o 1, o log n,
        o n log n, linear time, linear complexity, constant space, sorted array, sorted arrays, sorted lists,
        binary tree, binary search, linked list, hash table, heap, graph, dfs, bfs, dynamic programming,
        recursion, recursive, memoization, subsequence, substring, palindrome, fibonacci, kth, ancestor,
        traversal, shortest path, data structure, data structures, edge cases, concurrency, thread safe,
        race condition, in place, majority element, median of two""",
    "perf_verb": """optimize, optimise, optimizing, optimising, optimization, optimisation, tune, tuning, speed up,
        scale, scaling, diagnose, profile, profiling, reduce latency, optimiser, optimizar, optimiser,
        optimieren""",
    "deliv_small": """tweet, post, email, e mail, mail, message, note, text, caption, slogan, tagline, headline,
        title, subject line, poem, haiku, limerick, sentence, sentences, paragraph, description, bio, reply,
        joke, toast, card, list, ideas, tips, name, names, example, summary, definition, comment, blurb,
        announcement, memo, invitation, correo, courriel, mensaje, mensagem, nachricht, recado, frase, phrase""",
    "deliv_big": """essay, essays, article, blog post, blog, report, story, short story, novel, chapter, script,
        screenplay, plan, business plan, lesson plan, study plan, meal plan, marketing plan, content plan,
        strategy, proposal, policy, privacy policy, contract, agreement, whitepaper, white paper,
        documentation, guide, tutorial, curriculum, syllabus, course, sop, playbook, runbook, spec,
        specification, prd, landing page, website, web app, app, application, component, program, pipeline,
        dashboard, schema, architecture, taxonomy, workflow, framework, roadmap, resume, cv, cover letter,
        test suite, api, service, projection, forecast, analysis, comparison, case study, pitch deck, deck,
        presentation, speech, campaign, itinerary, table, template, templates, faq, copy, articulo, informe,
        ensayo, historia, rapport, dissertation, aufsatz, bericht, artigo, relatorio, redaccion, plano, plan de,
        geschaftsplan, businessplan, marktanalyse, konzept, strategie, estrategia, strategie, plan de negocios,
        plano de negocios, plan d affaires, lettre de motivation, carta de presentacion, anschreiben""",
    "depth": """detailed, detail, details, thorough, thoroughly, comprehensive, in depth, indepth, deep dive, full,
        complete, exhaustive, extensive, step by step, all steps, every step, each step, be specific, specific,
        concrete, precise, be precise, justify, justifiez, justifique, begrunde, nuanced, carefully, at length,
        long form, every, each, be thorough, detallado, detallada, completo, completa, concretos, concretas,
        concrets, detaille, detaillee, ausfuhrlich*, detaill*, detall*, detalh*, detalhado, detalhada, chaque etape,
        cada paso""",
    "tradeoff": """pros and cons, trade offs, tradeoffs, tradeoff, trade off, advantages and disadvantages,
        comparison, versus, vs, which is better, which should, recommendation, recommendations, whether,
        choose, choice, alternatives, options, option, strategy, pros, cons, ventajas, desventajas,
        avantages, inconvenients, vorteile, nachteile, vantagens, desvantagens""",
    "difference": """difference between, differences between, difference, diff between, distinguish,
        diferencia, diferencias, difference entre, la difference, unterschied, diferenca, diferencas""",
    "simple_hedge": """in general, general terms, generally, simply, simple, quick, quickly, brief, briefly,
        short, basic, basics, in a nutshell, one sentence, one line, one word, tl dr, few words,
        for a beginner, beginner, beginners, small example, simplement, einfach, simplesmente, sencillo,
        sencilla, rapidamente, rapidement, kurz, brevemente, brievement, for kids, to a child, normal,
        common, usually, typically""",
    "constraints": """must, without, only, at least, at most, no more than, under, within, limit, ensure,
        make sure, avoid, strict, strictly, while, cant, cannot, budget, deadline, requirement, requirements,
        require, requires, required, allergic, gracefully, safely, edge cases, edge case, handle, handling,
        keep, dont, do not, exactly, fewer than, less than, more than, but, no single point, sin, sans, ohne,
        sem, debe, doit, muss, deve""",
    "multi_step": """then, and then, after that, also, finally, first, next, followed by, plus, as well as,
        additionally, in addition, along with, including, include, cover, end with, one more thing, puis,
        ensuite, luego, despues, dann, danach, depois, incluyendo, incluant, inklusive, incluindo, y luego,
        et puis, und dann, e depois, con ejemplos, avec, with""",
    "code_terms": """tcp, udp, http, https, dns, ip, ssh, ssl, linux, unix, windows, mac, macos, ios, android,
        browser, cookie, cookies, cache, docker, vm, cloud, server, servers, network, networking, router, wifi,
        python, javascript, js, typescript, java, kotlin, swift, cpp, csharp, rust, golang, ruby,
        php, scala, haskell, sql, postgres, postgresql, mysql, sqlite, mongodb, redis, bash, shell, powershell,
        regex, regexp, html, css, react, vue, angular, node, nodejs, django, flask, fastapi, docker, kubernetes,
        terraform, aws, gcp, azure, api, apis, rest, graphql, endpoint, endpoints, function, functions,
        method, script, query, queries, component, hooks, algorithm, array, arrays, string, strings,
        integer, binary tree, linked list, hash map, recursion, loop, variable, compiler, code, snippet,
        repo, git, github, pull request, commit, branch, cron, webhook, json, csv, yaml, xml, matplotlib,
        pandas, numpy, pytest, unittest, jest, cuda, gpu, mutex, thread, threads, async, await, promise,
        callback, solidity, smart contract, database, db, schema, backend, frontend, server, c++,
        programming, software, lib, library, sdk, cli, excel, spreadsheet, vba, macro, lme4, r""",
    "math_basic": """solve, calculate, calculation, compute, equation, equations, percent, percentage,
        probability, area, perimeter, volume, average, mean, median, mode, sum, total, fraction, fractions,
        ratio, ratios, remainder, divided, multiply, multiplied, times, twice, half, double, triple, integers,
        digits, interest, speed, distance, profit, how many, how much, each, per, every, altogether, left,
        remaining, respectively, costs, spent, earns, earn, pays, paid, sold, buys, bought, minutes, hours,
        days, weeks, dollars, cents, miles, km, meters, pounds, kg, liters, gallons""",
    "math_adv": """stetig*, kompakt*, commutative ring, polynomial ring, given ring, ring z, ring of, finite ring,
        subring, field extension, cyclic group, cyclic, coset, cosets, integral domain, quotient group,
        symmetric group, dihedral, linear transformation, splitting field, irreducible, zero divisor,
        normal subgroup, permutation group, automorphism, kernel of, riemann, zeta, prime number theorem,
        continuous function, uniformly continuous, uniformement, fonction continue, intervalle ferme,
        closed interval, compact, integer solutions, diophantine, pell, group of order, cramer rao,
        maximum likelihood, mle, itos, geometric brownian motion, theorem, theorems, lemma, proof, proofs,
        corollary, axiom, axioms, integral, integrals, integration, derivative, derivatives, differentiate,
        differential, limit, limits, converge, converges, convergence, diverge, diverges, divergence, series,
        sequence, sequences, eigenvalue, eigenvalues, eigenvector, eigenvectors, matrix, matrices, determinant,
        vector space, linear algebra, polynomial, polynomials, logarithm, modulo, modular, prime, primes, topology,
        topological, manifold, manifolds, homomorphism, isomorphism, isomorphic, group theory, abelian, subgroup,
        galois, combinatorics, combinatorial, permutation, permutations, bijection, injective, surjective,
        countable, uncountable, cardinality, measure theory, lebesgue, stochastic, brownian, martingale, ito, pde,
        ode, fourier, laplace, bayesian, posterior, estimator, covariance, nash equilibrium, game theory,
        equilibrium, convex, np, np hard, np complete, undecidable, decidable, halting problem, turing,
        complexity class, one way functions, real numbers, bounded, monotone, spectral, symmetric matrix,
        orthogonal, harmonic, serie, series de, konvergenz, reihe, beweis, theoreme, teorema, primzahl*, converg*,
        konverg*, diverg*, theorem*, teorem*, numeros primos, nombres premiers, integral*, ableitung, derivee,
        derivada, matriz, matrice, eigenwert*, valeurs propres, autovalor*, induction, recurrence, asymptotic,
        big o, inequality, inequalities, infinitely many, irrational, rational, complex numbers, vectors, vertices,
        graph theory, level k, hilbert, banach, norm, calculus, trigonometry, geometry""",
    "sci_adv": """antimatter, baryogenesis, cp violation, baryon, leptogenesis, standard model,
        quantum, entanglement, superposition, relativity, spacetime, cosmology, cosmological, hubble,
        dark matter, dark energy, black hole, black holes, string theory, ads cft, holographic, entropy,
        thermodynamics, statistical mechanics, ryu takayanagi, renormalization, gauge, qft, particle physics,
        higgs, neutrino, genome, genomic, crispr, protein folding, epigenetic, neuroscience, transformers,
        in context learning, gradient descent, backpropagation, reinforcement learning, attention mechanism,
        phylogenetic, spectroscopy, enzyme kinetics, econometric, econometrics, causal inference,
        identification, instrumental variable, difference in differences, confounding, propensity score,
        mixed model, mixed effects, heteroskedasticity, multicollinearity, identification assumptions,
        selection bias, endogeneity, orbital, quantum mechanics, electromagnetism, wave function""",
    "sys_scale": """sharded, pods, hpa, autoscal*, executor, executors, spark, flink, hadoop, region, outage,
        daily active users, per second, strong consistency, global lock, write heavy, read heavy, nodes,
        distributed, scalable, scalability, at scale, high traffic, throughput, latency, p99, p95, qps, rps,
        requests per second, globally, multi region, regions, failover, single point of failure, high availability,
        replication, replica, replicas, sharding, shard, shards, partition, partitions, partitioning, consensus,
        raft, paxos, eventual consistency, consistency, concurrency, concurrent, lock free, lockfree, atomic,
        atomics, memory ordering, memory orderings, race condition, deadlock, linearizable, linearizability,
        caching, cdn, load balancer, rate limiter, rate limiting, kafka, consumer, consumers, lag, backpressure,
        microservices, multi tenant, multitenant, tenants, ingest, ingesting, ingestion, streaming, real time,
        realtime, data warehouse, olap, sub second, terabytes, tb, pb, petabytes, millions, million, billion,
        billions, index, indexes, indices, query plan, explain analyze, cpu, bandwidth, cuda, kernel, a100, sparse,
        vectorization, simd, primary, downtime, zero downtime, rollout, roll out, sla, slo, performance, bottleneck,
        optimize, optimizing, optimization, tuning, high traffic application, peak, production, infrastructure,
        cluster""",
    "security": """privilege, iam, passrole, privilege escalation, access control, two factor, 2fa, mfa,
        brute force, password reset, sim swap, otp, session hijacking, security, secure, vulnerability,
        vulnerabilities, vulnerable, exploit, exploits, attack, attacks, attacker, threat, threats, threat model,
        reentrancy, injection, sql injection, xss, csrf, ssrf, rce, authentication, authorization, oauth, oauth2,
        pkce, jwt, encryption, encrypt, cryptography, cryptographic, md5, tls, ssl, pentest, penetration, hardening,
        cve, secrets, mainnet, smart contract, keychain, keystore, biometric, mitigation, mitigations, malware,
        phishing, breach, zero day, privilege escalation, sandbox, firewall, ddos, compliance audit, soc 2, pci""",
    "law": """haftung*, rechtsform, gmbh, jurid*, obligations, subpoenaed, evict*, tenant board, hipaa compliance,
        law, laws, legal, legally, illegal, lawyer, attorney, court, judge, sue, suing, lawsuit,
        litigation, liability, liable, contract, contracts, clause, clauses, tenant, landlord, lease,
        eviction, evict, unlawful detainer, habitability, retaliation, gdpr, ccpa, hipaa, bdsg, dsgvo,
        compliance, compliant, regulation, regulations, regulatory, jurisdiction, statute, copyright,
        trademark, patent, infringement, employer, employment, wrongful termination, rights, works council,
        custody, divorce, visa, immigration, subpoena, warrant, data protection, cloud act, privacy policy,
        terms of service, nda, intellectual property, defamation, negligence, settlement, arbitration,
        legal request, government agency, conflict of law, ley, loi, gesetz, lei, abogado, avocat, anwalt,
        advogado, contrato, contrat, vertrag, derecho, droit, recht, direito""",
    "med": """presents with, presenting with, workup, work up, anticoagulation, anticoagulant, egfr, a1c, hba1c,
        regimen, metformin, kidney, renal, liver, headache, headaches, migraine, swelling, fever, rash, nausea,
        vomiting, dizzy, dizziness, weeks pregnant, cold turkey, withdrawal, taper, tapering, blood sugar, glucose,
        tylenol, ibuprofen, advil, aspirin, acetaminophen, paracetamol, antihistamine, steroid, steroids,
        chemotherapy, preeclampsia, hypertension, cardiac, arrhythmia, seizure, seizures, asthma, doctor, doctors,
        physician, nurse, patient, patients, pt, symptom, symptoms, diagnosis, differential, treatment, medication,
        medications, medicine, drug, drugs, dose, dosage, mg, prescribed, prescription, side effects, interaction,
        interactions, warfarin, ecg, ekg, bp, blood pressure, heart rate, chest pain, infection, disease, pregnancy,
        pregnant, surgery, therapy, ssri, ssris, snri, snris, antidepressant, antidepressants, vaccine, vaccines,
        immune, cancer, tumor, diabetes, insulin, afib, stroke, antibiotic, antibiotics, fungal, mri, lab results,
        blood test, cholesterol, clinical, icu, st elevation, nitrates, pharmacist, overdose, deficiency,
        mental health, depression, anxiety, medico, medecin, arzt, sintomas, symptomes, tratamiento, traitement,
        behandlung, medicamento, medicament""",
    "fin": """steuer*, gewinn, investor*, impuesto*, fiscal*, lucro, lucros, isos, rsus, rsu, 409a, amt,
        liquidation preference, strike price, vesting, exercise my, tax, taxes, taxed, deduct, deduction,
        deductions, deductible, irs, s corp, scorp, llc, c corp, valuation, dcf, discount rate, terminal value,
        wacc, term sheet, preferred stock, preferred shares, participating preferred, participating,
        anti dilution, dilution, cap table, option pool, equity, stock,
        stocks, shares, portfolio, invest, investing, investment, investor, investors, mortgage, loan, loans,
        interest rate, apr, roi, irr, npv, arr, mrr, revenue, margin, margins, ebitda, cash flow, burn, runway,
        hedge, hedging, derivatives, options pricing, black scholes, bond, bonds, yield, retirement, ira, roth,
        401k, estate, inheritance, accounting, gaap, ifrs, balance sheet, income statement, exit, exits, payout,
        payouts, pre money, post money, series a, vc, escrow, rent or buy, down payment, hoa, impuestos, impots,
        steuern, impostos, inversion, investissement""",
    "research": """current theories, leading theories, competing explanations, experimental evidence, experiments,
        constrain, constrains, state of research, current research, evidence for each, lower bound, best known,
        research, state of the art, sota, open problem, open problems, open questions, current state,
        current understanding, theoretical understanding, the literature, literature review, recent work,
        frontier, cutting edge,
        leading explanations, leading hypotheses, hypotheses, competing theories, unsolved, what is known,
        whats known, be precise about, upcoming observations, discriminate between, implications, paper, papers,
        researchers, theoretical, empirical evidence""",
    "personal": """i, im, ive, id, my, me, we, our, ours, us, mine, mi, mis, mon, ma, mes, nous, notre, mein,
        meine, ich, wir, unser, unsere, meu, minha, nosso, nossa, were, weve, wed""",
    "stakes": """production, prod, mainnet, deploy, deploying, go live, user funds, funds, safe, safely, unsafe,
        risk, risks, risky, dangerous, danger, harm, urgent, emergency, asap, lawsuit, penalty,
        penalties, fines, consequences, liability, downtime, outage, data loss, breach, critical, high stakes,
        irreversible, before we, we ship, audit risk, audit risks, push back, exposure, liable""",
    "judgement": """do we have to, do i have to, what happens if, get it wrong, would you consider,
        would you change, is it better, better for me, better for my, worth more, what am i not seeing,
        what am i missing, should i wait, how bad is it, is it risky, how do we respond, how should we respond,
        besser, mejor opcion, vaut mieux, melhor opcao, should i, should we, what should, what do we do,
        what do i do, what are my options, my options, our options, legal options, advice, expert advice, advise,
        is it legal, is it safe, is this safe, is it dangerous, is this combo, can i, can we, do i need, do we need,
        whats the risk, what are the risks, is it worth, worth it, what would you do, how should, which should,
        my rights, what can i do, who do we need, what to watch, watch for, que dois je, que debo, was soll ich,
        o que devo, is it ok to, safe to, ignore the warning""",
    "expert_word": """expert, experts, advanced, professional advice, senior, specialist, phd, graduate level,
        research level, sophisticated, nontrivial, non trivial, hard, difficult, tricky, complex, complicated,
        experto, experte, expert level, deep expertise""",
    "cmp": """compare, compares, comparing, comparison, contrast, contrasting, pros and cons, trade offs, tradeoffs,
        tradeoff, trade off, advantages and disadvantages, choosing between, choose between, decide between,
        deciding between, decide whether, which is better, which one should, which would you, which youd pick,
        which should, recommend one, weigh up, compara, comparar, comparer, comparez, vergleiche, vergleichen,
        ventajas y desventajas, avantages et inconvenients, vor und nachteile, vantagens e desvantagens""",
    "pick": """recommend, recommendation, which youd pick, pick, pick one, choose, which would you, which should,
        trade offs, tradeoffs, trade off, tradeoff, pros and cons, advantages and disadvantages, ventajas,
        desventajas, avantages, inconvenients, vorteile, nachteile, vantagens, desvantagens, when to use, best fit""",
    "perf_symptom": """slow, slower, slowdown, slows, latency, p99, p95, p50, spike, spikes, spiking, spill, spills,
        spilling, bottleneck, bottlenecks, lag, lagging, falls behind, fall behind, timeout, timeouts, times out,
        oscillat*, thrash*, contention, hot partition, hotspot, saturat*, bandwidth, cpu, memory usage, oom,
        out of memory, gc pause, gc pauses, throughput, stalls, went from, jumped from, coalesc*, uncoalesced,
        cache misses, only hitting, only reaches, reach only""",
    "arch": """design, designing, architect, architecting, architecture, system design, how would you design,
        how would you build, lay out the architecture, migration plan, sharded setup, diseña, disena, concevoir,
        concois, entwirf, architektur, arquitectura, arquitetura""",
    "extract_v": """extract, extracting, pull out, parse, list every, list all, find every, find all, tabulate,
        put into, turn into, extrae, extraer, extraire, extrahiere, extraia""",
    "struct_target": """json, csv, table, spreadsheet, array, columns, fields, yaml, key value, each with, one row""",
    "word_tr": """how do you say, how to say, word for, como se dice, comment dit on, wie sagt man, como se diz,
        in one word""",
    "units": """mile, miles, km, kilometer, kilometers, kilometre, kilometres, meter, meters, metre, metres, feet,
        foot, ft, inch, inches, cm, mm, yard, yards, pound, pounds, lb, lbs, kg, kilo, kilos, gram, grams, g, ounce,
        ounces, oz, cup, cups, tablespoon, tablespoons, teaspoon, teaspoons, liter, liters, litre, litres, ml,
        gallon, gallons, quart, quarts, pint, pints, celsius, fahrenheit, kelvin, mph, kph, acre, acres, hectare,
        hectares, euro, euros, dollars, usd, eur, gbp, yen, hours, minutes, seconds, days, weeks""",
    "followup": """now, also, again, instead, same, too, another, more, less, shorter, longer, simpler,
        different, redo, retry, continue, go on, keep going, what about, how about, and for, same for,
        version, ahora, maintenant, jetzt, agora, otra vez, encore""",
    "refer": """this, below, following, above, attached, here, these, it, that, esto, este, esta, ceci, cela,
        ce, dies, diese, dieser, isso, isto, esse, essa""",
}

_STOP = frozenset("""a an the and or but so to of in on at for from by with about as is are was were be been being
    it its this that these those there here i me my we our you your he she they them his her their what which who
    whom whose when where why how do does did can could would will should shall may might must have has had not
    no yes just very really much many more most some any all each every both few other such only own same than too
    also now then again please pls plz if into out up down over under one two me us am im ive id youre thats its
    el la los las un una de del y o en que es por para con le les des et ou est pour avec der die das und oder ist
    mit fur o os as um uma do da e para com""".split())

_SOCIAL_CATS = ("greet", "thanks", "ack", "bye", "praise")
_CATS = list(_LEXICON)
_CAT = {c: i for i, c in enumerate(_CATS)}


def _compile_lexicons():
    uni: dict[str, list[int]] = {}
    pre: dict[str, list[tuple[str, int]]] = {}
    phr: dict[str, list[tuple[tuple[str, ...], int]]] = {}
    for cat, spec in _LEXICON.items():
        k = _CAT[cat]
        for entry in spec.split(","):
            entry = entry.strip()
            if not entry:
                continue
            if entry.endswith("*"):
                stem = _fold(entry[:-1])
                pre.setdefault(stem[:4], []).append((stem, k))
                continue
            toks = _tokens(_fold(entry))
            if not toks:
                continue
            if len(toks) == 1:
                lst = uni.setdefault(toks[0], [])
                if k not in lst:
                    lst.append(k)
            else:
                phr.setdefault(toks[0], []).append((tuple(toks[1:]), k))
    return ({w: tuple(v) for w, v in uni.items()}, {p: tuple(v) for p, v in pre.items()},
            {w: tuple(v) for w, v in phr.items()})


_UNI, _PRE, _PHR = _compile_lexicons()
_SOCIAL_IDS = frozenset(_CAT[c] for c in _SOCIAL_CATS)
_INTERROG_IDS = _CAT["interrog"]
_VERB_IDS = frozenset(_CAT[c] for c in ("t_explain", "t_transform", "t_create", "t_analyze", "t_code",
                                         "t_math", "arch", "extract_v"))
_CODE_IDS = frozenset((_CAT["code_terms"], _CAT["t_code"]))
_MED_IDS = frozenset((_CAT["med"],))
_LAW_IDS = frozenset((_CAT["law"],))

# --------------------------------------------------------------------------------------------------
# Splitting the ask from pasted material
# --------------------------------------------------------------------------------------------------

_ASK_HEAD, _ASK_TAIL = 1200, 400  # the window of the ask that is read token by token
_RX_HEAD, _RX_TAIL = 700, 200  # the shorter window the pattern features scan


def _codeish(p: str) -> bool:
    n = len(p)
    if n < 40:
        return False
    sym = p.count("{") + p.count("}") + p.count(";") + p.count("=") + p.count("(") + p.count(")") + p.count("->")
    lines = p.count("\n") + 1
    indented = p.count("\n ") + p.count("\n\t")
    return sym / n > 0.035 or (lines >= 3 and indented / lines > 0.5)


def _datalike(p: str) -> bool:
    n = len(p)
    if n < 30:
        return False
    lines = p.count("\n") + 1
    digits = sum(p.count(d) for d in "0123456789")
    return digits / n > 0.15 or (lines >= 3 and n / lines < 60)


def split_ask(text: str) -> tuple[str, int, int]:
    """Return (ask, material_chars, code_chars): the request to judge and how much was pasted with it."""
    return _split(text)[:3]


def _split(text: str) -> tuple[str, int, int, bool]:
    """split_ask, plus whether the text is a multiple-choice question (its options are material)."""
    total = len(text)
    choice = False
    code_chars = 0
    prose = text
    if "```" in text:
        parts = text.split("```")
        code_parts = parts[1::2]
        code_chars = sum(map(len, code_parts))
        prose = "\n\n".join(parts[0::2])
    m = _MC_OPTIONS.search(prose) if "\nA" in prose else None
    if m and (_MC_ANSWER.match(prose, m.end()) or "?" in prose[:m.start()]
              or "following" in prose[max(0, m.start() - 300):m.start()].lower()):
        # a multiple-choice question: the stem (and "Answer:") is the ask, the options are given material
        prose = prose[:m.start()] + prose[m.end():]
        choice = True
    paras = [p.strip() for p in prose.split("\n\n")]
    paras = [p for p in paras if p]
    ask_parts: list[str] = []
    if len(paras) == 1:
        # One block. "Do X:\n<material>" or "<instruction>\n<list of lines>" keeps the first line (and a
        # short closing question) as the ask; the lines in between are material.
        p = paras[0]
        nl = p.find("\n")
        first = p[:nl].rstrip() if nl > 0 else p
        rest = len(p) - nl
        lines = p.split("\n")[1:] if nl > 0 else []
        listed = sum(1 for ln in lines if _LISTED.match(ln)) if 2 <= len(lines) <= 400 else 0
        if nl > 0 and ((rest > 200 and (first.endswith((":", "?")) or (len(first) >= 40 and len(lines) >= 2)))
                       or (len(first) >= 25 and listed >= 2 and listed * 2 >= len(lines))):
            ask_parts.append(first)
            last = p[p.rfind("\n") + 1:]
            if len(last) < 200 and ("?" in last or last.rstrip().endswith(":")):
                ask_parts.append(last)
        else:
            ask_parts.append(p)
    else:
        last_i = len(paras) - 1
        prev_colon = False
        for i, p in enumerate(paras):
            if _codeish(p):
                code_chars += len(p)
                prev_colon = False
                continue
            if i == 0:
                keep = True
            elif i == last_i:
                keep = len(p) < 300 and not _datalike(p)
            else:
                keep = not prev_colon and len(p) < 300 and not _datalike(p)
            if keep:
                ask_parts.append(p)
                prev_colon = p.endswith(":")
            # material paragraphs keep prev_colon as it was (a list after "...:" stays material)
    ask = "\n".join(ask_parts)
    if len(ask) > _ASK_HEAD + _ASK_TAIL:
        ask = ask[:_ASK_HEAD] + "\n" + ask[-_ASK_TAIL:]
    if len(ask) >= 62 and ('"' in ask or "“" in ask or "«" in ask or "„" in ask):
        ask = _QUOTE.sub(" QUOTE ", ask)
    material = max(0, total - len(ask))
    return ask, material, code_chars, choice


# --------------------------------------------------------------------------------------------------
# Features
# --------------------------------------------------------------------------------------------------

FEATURES: tuple[str, ...] = (
    "bias_len", "len_words", "very_short", "paste_log", "has_code", "paste_short_ask", "n_questions",
    "n_sentences", "n_commas", "n_numbers", "big_numbers", "money_pct", "math_symbols", "arith", "req_len",
    "req_len_small",
    "greet", "thanks", "ack", "bye", "praise", "social_frac", "content_words", "no_request", "emoji",
    "is_question", "wh_fact", "how_why", "yesno", "short_question", "request",
    "t_explain", "t_transform", "t_create", "t_analyze", "t_code", "t_expert", "n_task_kinds",
    "deliv_small", "deliv_big", "create_big", "depth", "tradeoff", "difference", "simple_hedge",
    "constraints", "multi_step", "code_terms", "code_ask", "code_algo", "t_math", "word_problem", "proof_ask", "parts",
    "medium_cue", "complex_cue", "expert_cue", "perf_tuning",
    "math_basic", "math_adv", "sci_adv", "sys_scale", "security", "law", "med", "fin", "research",
    "personal", "stakes", "judgement", "expert_word", "domain_hits", "domain_stakes", "followup", "refer",
    "unit_conv", "word_translation", "compare_ask", "tradeoff_compare", "scale_design", "perf_problem",
    "struct_extract", "domain_depth", "security_review", "clinical",
)
_F = {n: i for i, n in enumerate(FEATURES)}
NF = len(FEATURES)


class _Analysis:
    """Features of one text plus what the reasons need."""

    __slots__ = ("x", "tokens", "counts", "ask", "material", "code_chars", "n_words", "social_only",
                 "is_followup", "info")

    def __init__(self, x, tokens, counts, ask, material, code_chars, n_words, social_only, is_followup,
                 info=None):
        self.info = info or {}
        self.x = x
        self.tokens = tokens
        self.counts = counts
        self.ask = ask
        self.material = material
        self.code_chars = code_chars
        self.n_words = n_words
        self.social_only = social_only
        self.is_followup = is_followup


# Words that are a task verb only in the imperative ("Plan a trip", "help me review", "how to design") and a
# noun elsewhere ("the Pro plan", "interest rate", "a code review", "word count"). As nouns they do not count as
# task verbs; they still count as deliverables or domain words.
_AMBIG = frozenset("""plan design model review rate rank list format sort count edit correct code test tests label tag
    group profile outline estimate forecast deploy build draft resume tone produce cluster make""".split())
_VERB_PREV = frozenset("""please pls plz you u me lets and then also now just help dont quickly briefly carefully
    properly pl""".split())
_ASKER = frozenset("i we me us you u".split())
_CLAUSE_END = frozenset(".!?:;\n(*-\u2022\"'>")
# "code" as in "status code", "discount code", "6-digit code": not programming.
_CODE_NOUN_PREV = frozenset("""status discount promo zip postal area dress qr coupon verification error tax country
    digit gift access reset security confirmation tracking sms referral voucher activation pin bar morse""".split())
# "treatment group", "treatment users": an experiment, not medicine.
_EXPERIMENT_NEXT = frozenset("group groups users arm arms variant effect effects".split())
# International nonproprietary drug-name stems: a token ending in one of these is almost always a medicine.
_DRUG_SUFFIX = ("pril", "sartan", "olol", "statin", "formin", "gliptin", "azole", "cillin", "mycin", "cycline",
                "floxacin", "prazole", "tidine", "oxetine", "traline", "azepam", "azolam", "parin", "semide",
                "thiazide", "profen", "codone", "morphone", "triptan", "setron", "lukast", "afil", "tinib", "zumab",
                "ximab", "ivir", "navir", "dronate", "glutide", "flozin", "olone", "asone", "xaban", "pine")


class _Offsets:
    """Start offsets of the tokens of `text`, computed on first use."""

    __slots__ = ("text", "_pos")

    def __init__(self, text: str):
        self.text = text
        self._pos: list[int] | None = None

    def __getitem__(self, i: int) -> int:
        if self._pos is None:
            self._pos = [m.start() for m in _TOKEN.finditer(self.text)]
        return self._pos[i]


def _is_verb_position(i: int, tokens: list[str], pos: "_Offsets | list[int] | None", text: str) -> bool:
    """Is tokens[i] where an imperative verb goes: the start of a clause, or after "please", "can you", ...?"""
    if i == 0:
        return True
    if tokens[i - 1] in _VERB_PREV:
        return True
    if tokens[i - 1] == "to":  # "I want you to plan", "I need to plan"; not "he wants to make", "how to plan"
        return any(t in _ASKER for t in tokens[max(0, i - 3):i - 1])
    if pos is None:
        return False
    j = pos[i] - 1
    while j >= 0 and text[j] == " ":
        j -= 1
    return j < 0 or text[j] in _CLAUSE_END


def _count(tokens: list[str], pos: "_Offsets | list[int] | None" = None, text: str = ""
           ) -> tuple[list[int], int, int]:
    """Category hit counts, number of tokens covered by pleasantries, index of the first non-social token.

    `pos` (the tokens' offsets in `text`) lets an ambiguous verb at the start of a clause count as a verb."""
    counts = [0] * len(_CATS)
    social_cover = [False] * len(tokens)
    n = len(tokens)
    med = _CAT["med"]
    for i, t in enumerate(tokens):
        hit = _UNI.get(t)
        if hit:
            skip: frozenset[int] = frozenset()
            if t in _AMBIG and not _is_verb_position(i, tokens, pos, text):
                skip = _VERB_IDS
            if (t == "code" or t == "codes") and i and tokens[i - 1] in _CODE_NOUN_PREV:
                skip = _CODE_IDS
            if t == "treatment" and i + 1 < n and tokens[i + 1] in _EXPERIMENT_NEXT:
                skip = _MED_IDS
            if i and ((t in ("tenant", "tenants") and tokens[i - 1] in ("multi", "per", "single", "each"))
                      or (t in ("contract", "contracts") and tokens[i - 1] == "smart")):
                skip = _LAW_IDS  # "multi-tenant", "smart contract": software, not law
            if t == "k" and i and tokens[i - 1][0].isdigit():
                skip = _SOCIAL_IDS  # "4k+1", "50k": a number, not "k" for okay
            for k in hit:
                if k in skip:
                    continue
                counts[k] += 1
                if k in _SOCIAL_IDS:
                    social_cover[i] = True
        if len(t) >= 4:
            pres = _PRE.get(t[:4])
            if pres:
                for stem, k in pres:
                    if t.startswith(stem):
                        counts[k] += 1
            if len(t) >= 7 and t.endswith(_DRUG_SUFFIX):
                counts[med] += 1
        phrases = _PHR.get(t)
        if phrases:
            for rest, k in phrases:
                m = len(rest)
                if i + m < n and tuple(tokens[i + 1:i + 1 + m]) == rest:
                    counts[k] += 1
                    if k in _SOCIAL_IDS:
                        for j in range(i, i + m + 1):
                            social_cover[j] = True
    first = 0
    while first < n and (social_cover[first] or tokens[first] in ("and", "so", "oh", "um", "well", "y", "et")):
        first += 1
    return counts, sum(social_cover), first


def _analyse(text: str) -> _Analysis:
    ask, material, code_chars, choice = _split(text)
    folded = _REPEAT.sub(r"\1", _fold(ask))
    tokens = _TOKEN.findall(folded)
    pos = _Offsets(folded)  # token offsets, computed only if an ambiguous verb needs them
    rx = folded if len(folded) <= _RX_HEAD + _RX_TAIL else folded[:_RX_HEAD] + "\n" + folded[-_RX_TAIL:]
    counts, social_n, first = _count(tokens, pos, folded)
    c = counts
    n = len(tokens)
    x = [0.0] * NF
    unit_conv = n <= 16 and _unit_conversion(tokens)
    if unit_conv and c[_CAT["t_transform"]]:
        c[_CAT["t_transform"]] = max(0, c[_CAT["t_transform"]] - tokens.count("convert"))
    content = [t for t in tokens if t not in _STOP and not t.isdigit()]
    n_content = len(content)
    q_marks = ask.count("?")
    first_tok = tokens[first] if first < n else ""
    two = " ".join(tokens[first:first + 2])
    starts_interrog = first_tok in _INTERROG_SET or two in _INTERROG_SET
    is_question = q_marks > 0 or starts_interrog or choice
    verbs = (c[_CAT["t_explain"]] + c[_CAT["t_transform"]] + c[_CAT["t_create"]] + c[_CAT["t_analyze"]]
             + c[_CAT["t_code"]] + c[_CAT["t_expert"]] + c[_CAT["t_math"]])
    request = c[_CAT["request"]] > 0
    social = sum(c[_CAT[s]] for s in _SOCIAL_CATS)
    math_syms = len(_MATHSYM.findall(rx))
    non_social_content = max(0, n_content - social_n)
    no_request = ((not is_question or (non_social_content == 0 and social_n * 2 >= n))
                  and verbs == 0 and not request and math_syms == 0 and not unit_conv)
    social_only = social > 0 and no_request and non_social_content <= 12 and material < 200

    x[_F["bias_len"]] = 1.0 if n else 0.0
    x[_F["len_words"]] = math.log1p(n)
    x[_F["very_short"]] = 1.0 if n <= 3 else 0.0
    x[_F["paste_log"]] = math.log1p(material) / 4.0
    x[_F["has_code"]] = 1.0 if code_chars > 0 else 0.0
    x[_F["paste_short_ask"]] = 1.0 if material > 150 and n <= 20 else 0.0
    x[_F["n_questions"]] = min(q_marks, 4) / 2.0
    sentences = ask.count(". ") + ask.count("? ") + ask.count("! ") + ask.count("\n") + 1
    x[_F["n_sentences"]] = math.log1p(min(sentences, 20))
    x[_F["n_commas"]] = math.log1p(ask.count(",") + ask.count(";") + tokens.count("and"))
    digits = sum(1 for t in tokens if t[0].isdigit() or t in _NUMBER_WORDS)
    x[_F["n_numbers"]] = math.log1p(digits)
    x[_F["big_numbers"]] = math.log1p(len(_BIGNUM.findall(rx)))
    x[_F["money_pct"]] = math.log1p(ask.count("$") + ask.count("%") + ask.count("€") + ask.count("£"))
    x[_F["math_symbols"]] = math.log1p(math_syms)
    x[_F["arith"]] = 1.0 if _ARITH.search(rx) else 0.0
    req = 0
    for num, unit in _WORDCOUNT.findall(rx):
        try:
            req = max(req, int(num.replace(",", "")) * _LEN_UNIT.get(unit, 1))
        except ValueError:
            pass
    x[_F["req_len"]] = math.log10(req) if req >= 300 else 0.0
    x[_F["req_len_small"]] = 1.0 if 0 < req < 300 else 0.0

    # Pleasantries only count when they are the message, not a preamble to a real request.
    substantive = (is_question or verbs or request) and non_social_content >= 2
    for name in ("greet", "thanks", "ack", "bye", "praise"):
        x[_F[name]] = 0.0 if substantive else min(c[_CAT[name]], 2) / 2.0
    x[_F["social_frac"]] = min(1.0, social_n / n) if n else 1.0
    x[_F["content_words"]] = math.log1p(non_social_content)
    x[_F["no_request"]] = 1.0 if no_request else 0.0
    x[_F["emoji"]] = 1.0 if _EMOJI.search(ask[:300]) else 0.0
    x[_F["is_question"]] = 1.0 if is_question else 0.0
    x[_F["wh_fact"]] = min(c[_CAT["wh_fact"]], 2) / 2.0
    x[_F["how_why"]] = min(c[_CAT["how_why"]], 2) / 2.0
    polite = first_tok in ("can", "could", "would", "will") and tokens[first + 1:first + 2] in (["you"], ["u"])
    x[_F["yesno"]] = 1.0 if first_tok in _YESNO_START and not polite else 0.0
    x[_F["short_question"]] = 1.0 if is_question and n <= 12 and not verbs and not c[_CAT["how_why"]] else 0.0
    x[_F["request"]] = 1.0 if request else 0.0
    kinds = 0
    for name in ("t_explain", "t_transform", "t_create", "t_analyze", "t_code", "t_expert"):
        v = c[_CAT[name]]
        kinds += v > 0
        x[_F[name]] = min(v, 3) / 2.0
    x[_F["n_task_kinds"]] = kinds / 2.0
    asked = verbs > 0 or request
    for name in ("deliv_small", "deliv_big"):  # a deliverable is only asked for next to a task verb
        x[_F[name]] = math.log1p(c[_CAT[name]]) if asked else 0.0
    x[_F["t_math"]] = min(c[_CAT["t_math"]], 3) / 2.0
    x[_F["code_algo"]] = math.log1p(c[_CAT["code_algo"]])
    x[_F["word_problem"]] = 1.0 if (digits >= 2 and n >= 15 and c[_CAT["math_basic"]] >= 1
                                    and (c[_CAT["t_math"]] or is_question)) else 0.0
    x[_F["parts"]] = math.log1p(len(_PARTS.findall(rx)))
    x[_F["proof_ask"]] = 1.0 if c[_CAT["t_expert"]] and (c[_CAT["math_adv"]] or c[_CAT["sci_adv"]]) else 0.0
    for name in ("depth", "tradeoff", "difference", "simple_hedge", "constraints",
                 "multi_step", "code_terms", "math_basic", "math_adv", "sci_adv", "sys_scale", "security", "law",
                 "med", "fin", "research", "stakes", "judgement", "expert_word", "followup", "refer"):
        x[_F[name]] = math.log1p(c[_CAT[name]])
    x[_F["create_big"]] = 1.0 if c[_CAT["t_create"]] and c[_CAT["deliv_big"]] else 0.0
    x[_F["code_ask"]] = 1.0 if c[_CAT["code_terms"]] and (c[_CAT["t_create"]] or c[_CAT["t_code"]]) else 0.0
    x[_F["personal"]] = math.log1p(min(c[_CAT["personal"]], 8))
    specialist = [c[_CAT[d]] > 0 for d in ("math_adv", "sci_adv", "sys_scale", "security", "law", "med", "fin")]
    x[_F["domain_hits"]] = float(sum(specialist))
    high_stakes = c[_CAT["security"]] or c[_CAT["law"]] or c[_CAT["med"]] or c[_CAT["fin"]]
    x[_F["domain_stakes"]] = 1.0 if high_stakes and (c[_CAT["personal"]] >= 2 or c[_CAT["stakes"]]
                                                     or c[_CAT["judgement"]]) else 0.0
    has = lambda name: c[_CAT[name]] > 0  # noqa: E731
    # Concepts the rubric names, each a small conjunction of the lexicon hits above: a comparison that weighs
    # trade-offs, large-scale system design, performance trouble in a large system, a security review, a
    # clinical case, structured extraction from a long input, a unit conversion or one-word translation.
    n_and = ask.count(",") + tokens.count("and")
    x[_F["unit_conv"]] = 1.0 if unit_conv else 0.0
    x[_F["word_translation"]] = 1.0 if has("word_tr") and n <= 14 else 0.0
    compare = has("cmp")
    x[_F["compare_ask"]] = 1.0 if compare else 0.0
    tradeoff_compare = compare and (has("pick") or has("depth") or n_and >= 3 or c[_CAT["cmp"]] >= 2)
    x[_F["tradeoff_compare"]] = 1.0 if tradeoff_compare else 0.0
    sys_n = c[_CAT["sys_scale"]]
    big = x[_F["big_numbers"]] > 0
    scale_design = has("arch") and sys_n >= 2 and (big or sys_n >= 4)
    x[_F["scale_design"]] = 1.0 if scale_design else 0.0
    perf = c[_CAT["perf_verb"]]
    perf_problem = (has("perf_symptom") and sys_n >= 2 and (perf or is_question or has("how_why") or has("t_code"))
                    and (big or sys_n >= 3 or digits >= 2))
    x[_F["perf_problem"]] = 1.0 if perf_problem else 0.0
    struct_extract = has("extract_v") and has("struct_target") and material >= 300
    x[_F["struct_extract"]] = 1.0 if struct_extract else 0.0
    depth_dom = max(c[_CAT["law"]], c[_CAT["med"]], c[_CAT["fin"]], c[_CAT["security"]])
    x[_F["domain_depth"]] = math.log1p(depth_dom)
    sec = c[_CAT["security"]]
    explain_only = (has("t_explain") or has("how_why")) and sec < 3
    security_review = sec >= 1 and not explain_only and (
        has("t_expert") or (sec >= 2 and any(t in _REVIEW_WORDS for t in tokens)))
    x[_F["security_review"]] = 1.0 if security_review else 0.0
    clinical = c[_CAT["med"]] >= 3 and (is_question or has("judgement"))
    x[_F["clinical"]] = 1.0 if clinical else 0.0
    # Rubric cues: one clear sign of a tier is enough to lift a prompt (the model adds evidence linearly;
    # these give it the "any of" the rubric uses).
    x[_F["medium_cue"]] = 1.0 if (has("t_explain") or has("t_transform") or has("how_why")
                                  or (asked and has("deliv_small"))) else 0.0
    x[_F["complex_cue"]] = 1.0 if (x[_F["create_big"]] or x[_F["code_ask"]] or req >= 300
                                   or (has("t_analyze") and (has("tradeoff") or has("depth")))
                                   or tradeoff_compare or struct_extract
                                   or (code_chars and (has("t_code") or has("t_transform") or has("t_create")))
                                   or (has("t_code") and (code_chars or has("code_terms")))) else 0.0
    x[_F["perf_tuning"]] = 1.0 if (perf and sys_n - perf >= 2) or perf_problem else 0.0
    x[_F["expert_cue"]] = 1.0 if (x[_F["perf_tuning"]] or x[_F["proof_ask"]] or has("research")
                                  or x[_F["domain_stakes"]]
                                  or scale_design or security_review or clinical
                                  or (has("t_expert") and not has("t_transform"))
                                  or (has("expert_word") and (has("sys_scale") or has("security") or has("law")
                                                              or has("med") or has("fin") or has("math_adv")))
                                  or c[_CAT["sys_scale"]] >= 3) else 0.0
    is_followup = (0 < n <= 10 and material < 100 and not social_only
                   and (c[_CAT["followup"]] > 0 or c[_CAT["refer"]] > 0 or tokens[0] in _CONJ
                        or (first < n and tokens[first] in _CONJ)))
    info = {"req": req, "first": first, "n_and": n_and, "rx": rx, "q": q_marks, "verbs": verbs, "pos": pos,
            "text": folded,
            "numerals": sum(1 for t in tokens if t[0].isdigit())}
    return _Analysis(x, tokens, counts, ask, material, code_chars, n, social_only, is_followup, info)


_REVIEW_WORDS = frozenset("""review audit check assess evaluate pentest harden vulnerabilities vulnerability
    exploitable""".split())
_UNIT_JOIN = frozenset("""to in into is are per en em nach a""".split())
_HOW_MANY = frozenset("""how convert cuantos cuantas combien wieviel quantos quantas""".split())


def _unit_conversion(tokens: Sequence[str]) -> bool:
    """"convert 5 miles to km", "how many ounces in a cup", "70 f in celsius": two units and a join."""
    units = _CAT["units"]
    idx = [i for i, t in enumerate(tokens) if units in _UNI.get(t, ())]
    if len(idx) < 2 or len({tokens[i] for i in idx}) < 2:
        return False
    if not any(t in _UNIT_JOIN for t in tokens[idx[0] + 1:idx[-1]]):
        return False
    return any(t[0].isdigit() or t in _HOW_MANY for t in tokens)


_INTERROG_SET = frozenset(w for w, ks in _UNI.items() if _INTERROG_IDS in ks) | frozenset(
    " ".join((w,) + rest) for w, lst in _PHR.items() for rest, k in lst if k == _INTERROG_IDS)
_CONJ = frozenset(("and", "y", "et", "und", "e", "what", "how", "same", "now", "also"))
_NUMBER_WORDS = frozenset("""two three four five six seven eight nine ten eleven twelve fifteen twenty thirty forty
    fifty sixty hundred thousand million half twice double triple quarter third thirds dozen dos tres cuatro cinco
    deux trois quatre cinq zwei drei vier funf duas""".split())
_YESNO_START = frozenset("""is are was were do does did can could would will should has have am isnt arent dont
    doesnt cant es est ist e pode puedo puedes kann""".split())


def hashed_ngrams(tokens: Sequence[str], dim: int) -> dict[int, float]:
    """Stable hashed unigrams + bigrams (crc32, not Python's salted hash), counts scaled to 1/sqrt(n)."""
    out: dict[int, float] = {}
    if dim <= 0 or not tokens:
        return out
    toks = tokens[:160]
    grams = [t for t in toks if t not in _STOP] + [a + " " + b for a, b in zip(toks, toks[1:])]
    w = 1.0 / math.sqrt(len(grams) or 1)
    for g in grams:
        h = zlib.crc32(g.encode()) % dim
        out[h] = out.get(h, 0.0) + w
    return out


def extract_features(text: str) -> tuple[list[float], list[str]]:
    """The hand-made feature vector (in `FEATURES` order) and the ask's tokens (for hashed n-grams)."""
    a = _analyse(text)
    return a.x, a.tokens


# --------------------------------------------------------------------------------------------------
# The model
# --------------------------------------------------------------------------------------------------

def load_weights(path: Path | None = None) -> dict[str, Any]:
    """Read the trained model (`complexity_weights.json` by default) and prepare it for scoring."""
    with open(path or WEIGHTS_PATH, encoding="utf-8") as fh:
        return prepare_model(json.load(fh))


def prepare_model(data: dict[str, Any]) -> dict[str, Any]:
    """Turn the JSON form of the model into the lists the scorer reads."""
    data = dict(data)
    w = data["weights"]
    data["_w"] = [float(w.get(name, 0.0)) for name in FEATURES]
    data["_hash"] = [float(v) for v in data.get("hash_weights", [])]
    data["_mean"] = [float(data.get("mean", {}).get(name, 0.0)) for name in FEATURES]
    data["_scale"] = [float(data.get("scale", {}).get(name, 1.0)) or 1.0 for name in FEATURES]
    return data


_MODEL: dict[str, Any] | None = None


def _model() -> dict[str, Any]:
    global _MODEL
    if _MODEL is None:
        _MODEL = load_weights()
    return _MODEL


def _latent(a: _Analysis, model: dict[str, Any]) -> tuple[float, list[float]]:
    w, mean, scale = model["_w"], model["_mean"], model["_scale"]
    contrib = [(xi - m) / s * wi for xi, m, s, wi in zip(a.x, mean, scale, w)]
    z = sum(contrib)
    hw = model["_hash"]
    if hw:
        for h, v in hashed_ngrams(a.tokens, len(hw)).items():
            z += hw[h] * v
    return z, contrib


# Reasoning load: math to work out, code to write or fix, algorithms, numbered sub-problems. These are where
# a small model falls behind a large one at the same tier, so inside a tier's band they order prompts
# together with z (the band itself, i.e. the tier, comes from z alone).
_REASONING = {"t_math": 1.0, "word_problem": 1.0, "math_symbols": 0.5, "n_numbers": 0.25, "code_algo": 1.0,
              "code_ask": 0.7, "t_code": 0.7, "has_code": 0.5, "math_adv": 0.7, "math_basic": 0.3,
              "proof_ask": 0.7, "parts": 0.5, "n_sentences": 0.3}
_REASONING_IDX = [(_F[k], v) for k, v in _REASONING.items()]
REASONING_BLEND = 0.5


def reasoning_load(x: Sequence[float]) -> float:
    """0..1: how much working-out (math, code, algorithms, sub-problems) the ask needs."""
    raw = sum(x[i] * wt for i, wt in _REASONING_IDX)
    return 1.0 - math.exp(-raw / 1.5)


def _tier_and_score(z: float, thresholds: Sequence[float], reasoning: float = 0.0,
                    blend: float = 0.0) -> tuple[Complexity, float]:
    k = 0
    while k < 4 and z >= thresholds[k]:
        k += 1
    width = sum(thresholds[i + 1] - thresholds[i] for i in range(3)) / 3 or 1.0
    if k == 0:
        frac = math.exp((z - thresholds[0]) / width)  # (0, 1)
    elif k == 4:
        frac = 1.0 - math.exp(-(z - thresholds[3]) / width)
    else:
        frac = (z - thresholds[k - 1]) / (thresholds[k] - thresholds[k - 1])
    frac = min(max(frac, 0.0), 1.0)
    frac = (1 - blend) * frac + blend * reasoning
    frac = min(max(frac, 0.0), 0.9999)
    return TIERS[k], round(k / 5 + frac / 5, 6)


def _in_band(level: Complexity, frac: float) -> float:
    lo, hi = TIER_BANDS[level]
    return round(lo + (hi - lo) * min(max(frac, 0.0), 0.9999), 6)


# --------------------------------------------------------------------------------------------------
# Reasons
# --------------------------------------------------------------------------------------------------
# A reason is a short phrase a person can check against the prompt. Each one below is a concept of the
# rubric with its own test on the analysis (never "the feature with the largest weight"), and belongs to
# the tier it argues for. A verdict names the concepts of its own tier first (most telling first), then
# supporting ones from the tier below; a phrase that argues for a higher tier than the verdict is never
# shown (a SIMPLE tax question does not say "specialist domain: finance").

_RX_EXPLAIN = re.compile(r"\b(?:explain|explic|expliq|erklar|describ|decri|beschreib|descrev|eli5|tell me about|"
                         r"walk me through|help me understand|teach me|in (?:plain english|simple terms)|"
                         r"how does|how do (?!i\b|we\b|you say)|why\b|causes of|what causes|reasons (?:for|why)|"
                         r"warum|pourquoi|"
                         r"por que|como funciona|comment fonctionne|wie funktioniert)")
_RX_HOWTO = re.compile(r"\bhow (?:do|can|should) (?:i|we)\b|\bhow to\b|\bsteps (?:to|for)\b|\bcomo (?:hago|puedo)\b"
                       r"|\bcomment (?:faire|je)\b|\bwie kann ich\b|\bcomo (?:faco|posso)\b")
_RX_REWRITE = re.compile(r"\b(?:rewrite|rewriting|rephrase|paraphrase|reword|proofread|proof read|translat|tradu|"
                         r"ubersetz|polish|more (?:professional|formal|casual|concise)|less formal|punchier|"
                         r"catchier|snappier|friendlier|fix the grammar|grammar|spelling|typos|shorten|simplify|"
                         r"make (?:this|it) (?:sound|more|less|shorter|longer|\w+er)\b|reescrev|reescrib|reecri|"
                         r"reformul|umschreib|edit (?:this|the|my)|correct (?:this|the|any|my)|grammatical|"
                         r"clean up|reformat)")
_RX_SUMMARY = re.compile(r"\b(?:summar|summaris|sum up|tl ?dr|takeaways|key points|gist|condense|"
                         r"zusammenfass|fasse|resum(?:ir|en|ez|o)\b|"
                         r"resume (?:este|esta|esto|ce|cet|cette|le|la|isto|esse))")
_RX_DEFINE = re.compile(r"\b(?:stand for|stands for|define|definition of|meaning of|what does .{1,40} mean)\b")
_RX_LIST = re.compile(r"\b(?:\d+|a few|some|three|five|ten) (?:\w+ ){0,2}(?:ideas|tips|examples|suggestions|names|"
                      r"ways|questions|options|bullet points|films|books|places|names)\b|"
                      r"\blist (?:the|some|a few|\d+)\b|\bsuggest\b|\bwhat are (?:some|a few)\b")
_RX_DEBUG = re.compile(r"\b(?:debug|fix|bug|bugs|error(?!s? handling)|errors(?! handling)|crash|crashes|traceback|"
                       r"stack trace|exception|"
                       r"whats wrong|what is wrong|doesnt work|not working|wont compile|re renders|returns a 500)\b")
_WRITING = frozenset("""story stories essay essays poem poems article articles blog novel chapter letter speech
    screenplay lyrics song toast haiku limerick email tweet post caption copy""".split())
_LANGS = frozenset("""python javascript js typescript java kotlin swift cpp csharp rust golang ruby php scala
    haskell sql bash shell powershell html css react vue angular node django flask fastapi pandas numpy pytest
    solidity vba""".split())
_CODE_NOUNS = frozenset("""function functions script query queries api endpoint class method component algorithm code
    snippet program app scraper parser module cli bot tests regex macro""".split())
_APPISH = frozenset(("app", "api"))
_CODE_VERBS = frozenset("""implement implementing code coding debug debugging refactor refactoring fix fixing compile
    vectorize parallelize program programming""".split())
_PROSE_DELIV = frozenset("""analysis comparison overview explanation summary review evaluation assessment critique
    breakdown advice""".split())  # a product, not necessarily code ("a privacy policy for our app")
_SMALL_WRITING = frozenset("""tweet post email mail message note text caption slogan tagline headline title poem haiku
    limerick sentence paragraph description bio reply joke toast card blurb announcement memo invitation correo
    courriel mensaje mensagem nachricht recado""".split())
_RX_CONTRAST = re.compile(r"\b(?:compar\w*|contrast|versus|vs|between|which|or|frente|oder|ou|o)\b")
_PLAN_DOCS = frozenset("""plan plans guide report proposal policy strategy itinerary curriculum syllabus roadmap
    playbook runbook sop document documentation whitepaper spec specification prd contract agreement template
    templates outline checklist schedule budget campaign deck presentation requirements library
    taxonomy workflow""".split())

_PHRASE = {"greet": "greeting", "thanks": "thanks", "ack": "acknowledgement", "bye": "farewell", "praise": "praise"}
_PROVE = frozenset("""prove proving demonstrate derive demontrez demontrer demuestra demuestre beweise beweisen
    demonstre""".split())
# what a short follow-up ("and in Go?") looks like on its own: not worth repeating next to "follow-up to ..."
_SHORT_REASONS = frozenset(("short factual question", "short question", "short, simple request", "nothing to answer",
                            "yes/no question"))
_PHRASE_END = frozenset("""for about with that which who on in of using from to by where so because including
    covering explaining""".split())
_DELIVERABLES = _SMALL_WRITING | _WRITING | _PLAN_DOCS | _CODE_NOUNS | _PROSE_DELIV | _LANGS
_RX_MATH = re.compile(r"\b(?:solve|calculate|compute|simplify|integrate|differentiate|factor|what is the probability|"
                      r"find the (?:value|area|sum|number|probability|derivative|integral))\b")
_TIER_FALLBACK = {0: "nothing to answer", 2: "general-knowledge request", 3: "substantial task",
                  4: "specialist depth"}
_DOMAIN_PHRASE = (("law", "specialist domain: law"), ("med", "specialist domain: medicine"),
                  ("fin", "specialist domain: finance"), ("security", "specialist domain: security"))


def _deliverable(a: _Analysis) -> str | None:
    """What a creation verb asks for: the last deliverable noun of the phrase after "write/create/plan ..."
    ("Write a 5-email drip campaign for ..." -> campaign, "Draft a privacy policy for our app" -> policy)."""
    toks = a.tokens
    pos, text = a.info.get("pos"), a.info.get("text", "")
    cid = _CAT["t_create"]
    for i, t in enumerate(toks[:120]):
        if cid not in _UNI.get(t, ()) or (t in _AMBIG and not _is_verb_position(i, toks, pos, text)):
            continue
        found = None
        for u in toks[i + 1:i + 9]:
            if u in _PHRASE_END:
                break
            if u in _DELIVERABLES:
                found = u
        if found:
            return found
    return None


def _concepts(a: _Analysis) -> list[tuple[str, int]]:
    """Every rubric concept that is true of the prompt, as (phrase, tier), most telling first within a tier."""
    x, c, info = a.x, a.counts, a.info
    rx = info.get("rx", "")
    toks = set(a.tokens)
    has = lambda name: c[_CAT[name]] > 0  # noqa: E731
    f = lambda name: x[_F[name]] > 0  # noqa: E731
    n = a.n_words
    out: list[tuple[str, int]] = []

    def add(cond: Any, phrase: str, tier: int) -> None:
        if cond:
            out.append((phrase, tier))

    # EXPERT
    add(f("proof_ask"), "proof or derivation", 4)
    add(f("scale_design"), "large-scale system design", 4)
    add(f("perf_tuning"), "performance tuning at scale", 4)
    add(f("security_review"), "security review", 4)
    add(f("domain_stakes") and has("judgement"), "judgement call with consequences", 4)
    add(has("research") and (has("sci_adv") or has("math_adv") or c[_CAT["research"]] >= 2),
        "research-level question", 4)
    add(c[_CAT["math_adv"]] >= 2 and c[_CAT["math_adv"]] >= c[_CAT["sys_scale"]] and not f("arith"), "advanced math", 4)
    add(has("sci_adv"), "specialist science", 4)
    add(c[_CAT["sys_scale"]] >= 3 and not (f("scale_design") or f("perf_tuning")), "advanced systems engineering", 4)
    add(f("clinical"), "clinical case", 4)
    top = max(c[_CAT[cat]] for cat, _ in _DOMAIN_PHRASE)
    for cat, phrase in _DOMAIN_PHRASE:
        k = c[_CAT[cat]]
        add(k >= 2 or (k >= 1 and k == top and f("domain_stakes")), phrase, 4)
    add(f("domain_stakes") and has("stakes"), "high stakes", 4)
    # COMPLEX
    deliv = _deliverable(a)
    code_nouns = toks & _CODE_NOUNS
    if deliv is None:
        writing = bool(toks & _WRITING)
        docish = writing or bool(toks & _PLAN_DOCS) or bool(toks & _PROSE_DELIV)
        code = f("code_ask") and not (has("arch") and not has("t_code")) and (
            bool(toks & _CODE_VERBS) or (has("t_create") and bool(code_nouns - _APPISH
                                                                 or (not docish and (code_nouns or toks & _LANGS)))))
        plan_doc = small = writing = False  # a document or piece of writing is named only when the verb asks for it
    else:
        code = deliv in _CODE_NOUNS or deliv in _LANGS or (f("code_ask") and bool(toks & _CODE_VERBS))
        small = deliv in _SMALL_WRITING and not code
        plan_doc = deliv in _PLAN_DOCS and not code
        writing = deliv in _WRITING and not small and not code
    debug = (code or a.code_chars > 0) and bool(_RX_DEBUG.search(rx))
    if f("tradeoff_compare"):
        contrast = bool(_RX_CONTRAST.search(rx))
        add(True, "comparison with trade-offs" if has("pick") and contrast
            else "weighs trade-offs" if has("pick") else "detailed comparison", 3)
    add(f("struct_extract"), "structured extraction from a long input", 3)
    add(debug, "debug or fix code", 3)
    add(code and not debug, "asks for code", 3)
    add(a.code_chars > 0 and (has("t_code") or has("t_create") or has("t_transform")) and not code and not debug,
        "works on pasted code", 3)
    add(has("arch") and has("code_terms") and not code and not f("scale_design"), "technical design", 3)
    add(info.get("req", 0) >= 300 and has("t_create"), "long piece of writing", 3)
    add(plan_doc, "asks for a plan or document", 3)
    add(writing and info.get("req", 0) < 300, "substantial writing", 3)
    add(has("t_expert") and bool(toks & _PROVE) and not f("proof_ask"), "asks for a proof", 3)
    add(f("compare_ask") and not f("tradeoff_compare"), "asks for a comparison", 3)
    multi = (f("parts") or info.get("q", 0) >= 2
             or (info.get("n_and", 0) >= 3 and (info.get("verbs", 0) or x[_F["request"]])))
    add(has("t_analyze") and multi and n >= 12, "multi-part analysis", 3)
    add(multi and n >= 20 and not has("t_analyze"), "multi-part request", 3)
    # MEDIUM
    howto = bool(_RX_HOWTO.search(rx))
    summary = bool(_RX_SUMMARY.search(rx)) and not f("unit_conv")
    rewrite = bool(_RX_REWRITE.search(rx)) and not f("unit_conv")
    medium: list[tuple[str, int]] = []
    for cond, phrase in (
            (f("word_problem") and info.get("numerals", 0) >= 2 and not has("t_analyze") and not has("cmp")
             and c[_CAT["sys_scale"]] < 2, "multi-step word problem"),
            (summary, "asks for a summary"),
            (rewrite, "rewrite or translate a short text"),
            (f("difference"), "asks how two things differ"),
            (howto, "short how-to"),
            (n > 3 and not f("word_translation") and ((has("how_why") and not howto) or bool(_RX_EXPLAIN.search(rx))),
             "asks for an explanation"),
            (small and not rewrite, "short piece of writing"),
            (bool(_RX_MATH.search(rx)) or (has("t_math") and f("math_symbols") and not f("word_problem")),
             "math problem to solve"),
            (bool(_RX_LIST.search(rx)) and not summary, "short list or ideas")):
        if cond:
            medium.append((phrase, 2))
    out += medium
    # SIMPLE (only when nothing asks for more than a short answer)
    if not medium:
        add(f("arith") and not f("word_problem") and n <= 20, "simple arithmetic", 1)
        add(f("unit_conv"), "unit conversion", 1)
        add(f("word_translation"), "one-word translation", 1)
        add(n <= 12 and bool(_RX_DEFINE.search(rx)), "asks for a definition", 1)
        add(f("is_question") and n <= 15 and not has("how_why")
            and (f("wh_fact") or f("yesno") or f("short_question")), "short factual question", 1)
    # TRIVIAL
    for cat in _SOCIAL_CATS:
        add(x[_F[cat]] > 0, _PHRASE[cat], 0)
    add(f("no_request") and not a.social_only and n <= 12, "nothing to answer", 0)
    return out


def _reasons(a: _Analysis, level: Complexity, floor: str | None = None) -> list[str]:
    """1-3 short phrases, most telling first: the verdict's own tier, then the tier below (see above)."""
    rank = level.rank
    if a.social_only:
        kinds = [p for p in _SOCIAL_CATS if a.x[_F[p]] > 0 or a.counts[_CAT[p]] > 0]
        return [_PHRASE[k] for k in kinds[:2]] or ["pleasantry"]
    concepts = _concepts(a)
    out: list[str] = [floor] if floor else []
    if a.material > 400 and rank <= 2:
        out.append("long pasted text, easy task")
    same = [p for p, t in concepts if t == rank]
    below = [p for p, t in concepts if t == rank - 1]
    # a COMPLEX verdict may name the specialist field it touches ("asks for a plan or document",
    # "specialist domain: law"); otherwise nothing above the verdict's tier is named.
    support = [p for p, t in concepts if t == 4 and rank == 3
               and (p.startswith("specialist") or p in ("advanced math", "advanced systems engineering"))]
    for p in same + support + below:
        if p not in out:
            out.append(p)
    if not out:  # the model weighed the evidence differently: name the nearest true concept
        near = sorted(concepts, key=lambda pt: (abs(pt[1] - rank), pt[1] > rank))
        out = [p for p, t in near if t != 0 or rank == 0][:1]
    if a.material > 400 and rank >= 3:
        out = out[:2] + ["pasted code" if a.code_chars else "long pasted input"]
    elif a.code_chars and out and "pasted code" not in out:
        out = out[:2] + ["pasted code"]
    if not out:
        if rank == 1:
            out = ["short question" if a.x[_F["is_question"]] else "short, simple request"]
        else:
            out = [_TIER_FALLBACK[rank]]
    return out[:3]


# --------------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------------

def _judge(text: str, model: dict[str, Any]) -> tuple[Verdict, _Analysis, float]:
    if not text or not text.strip():
        return Verdict(Complexity.TRIVIAL, 0.0, ("empty message",)), _analyse(""), -1e9
    a = _analyse(text)
    z, _ = _latent(a, model)
    level, score = _tier_and_score(z, model["thresholds"], reasoning_load(a.x),
                                   model.get("reasoning_blend", REASONING_BLEND))
    if a.social_only and level.rank > 0:  # pleasantries with nothing to answer
        level, score = Complexity.TRIVIAL, _in_band(Complexity.TRIVIAL, 0.9)
    if level.rank == 4 and not _specialist(a):
        # EXPERT needs a sign of specialist depth or stakes; many ordinary cues do not add up to it.
        level, score = Complexity.COMPLEX, _in_band(Complexity.COMPLEX, 0.75 + 0.24 * reasoning_load(a.x))
    if level.rank < 3 and _complex_floor(a):
        # The rubric names these COMPLEX outright: a comparison that weighs trade-offs, structured
        # extraction from a long input, a long piece of writing.
        level, score = Complexity.COMPLEX, _in_band(Complexity.COMPLEX, 0.1 + 0.4 * reasoning_load(a.x))
    floor = _expert_floor(a)
    if floor and level.rank < 4:
        # The rubric names these EXPERT outright: a proof in advanced math, large-scale system design,
        # performance tuning of a large system, a security review, a judgement call with consequences
        # in law, medicine, finance or security.
        level, score = Complexity.EXPERT, _in_band(Complexity.EXPERT, 0.2 + 0.5 * reasoning_load(a.x))
    reasons = _reasons(a, level, floor if level.rank == 4 else None)
    return Verdict(level, score, tuple(reasons)), a, z


def _specialist(a: _Analysis) -> bool:
    """Any sign of specialist depth or stakes (an EXPERT verdict needs one)."""
    c = a.counts
    return bool(a.x[_F["expert_cue"]] or c[_CAT["sys_scale"]] >= 2 or any(
        c[_CAT[d]] for d in ("math_adv", "sci_adv", "security", "law", "med", "fin", "research")))


def _complex_floor(a: _Analysis) -> bool:
    x = a.x
    return bool(x[_F["tradeoff_compare"]] or x[_F["struct_extract"]]
                or (a.info.get("req", 0) >= 300 and a.counts[_CAT["t_create"]]))


def _expert_floor(a: _Analysis) -> str | None:
    x, c = a.x, a.counts
    if x[_F["proof_ask"]]:
        return "proof or derivation"
    if x[_F["scale_design"]]:
        return "large-scale system design"
    if x[_F["perf_tuning"]]:
        return "performance tuning at scale"
    if x[_F["security_review"]]:
        return "security review"
    if x[_F["domain_stakes"]] and c[_CAT["judgement"]]:
        return "judgement call with consequences"
    return None


def classify_text(text: str) -> Verdict:
    """Judge one message on its own."""
    return _judge(text, _model())[0]


def _role_content(m: Any) -> tuple[str, str]:
    if isinstance(m, Message):
        return m.role, m.content or ""
    if isinstance(m, dict):
        return str(m.get("role", "user")), str(m.get("content") or "")
    return str(getattr(m, "role", "user")), str(getattr(m, "content", "") or "")


_REDO = frozenset("""now instead same version also too again ahora maintenant jetzt agora""".split())


def classify(text_or_messages: str | Sequence[Message] | Iterable[Any]) -> Verdict:
    """Judge a request: a string, or a conversation whose last user turn is judged in context.

    Returns Verdict(level, score, reasons); level is never CACHED, score is in [0, 1] and its band
    per tier never overlaps another tier's (TRIVIAL [0, .2) ... EXPERT [.8, 1]).
    """
    model = _model()
    if isinstance(text_or_messages, str):
        return _judge(text_or_messages, model)[0]
    turns = [_role_content(m) for m in text_or_messages]
    users = [content for role, content in turns if role == "user"]
    if not users:  # nothing from the user: judge whatever non-system text there is
        others = [content for role, content in turns if role != "system"]
        return _judge(others[-1] if others else "", model)[0]
    verdict, a, _ = _judge(users[-1], model)
    if len(users) == 1 or a.social_only or not a.is_followup:
        return verdict
    # A short follow-up: find the request it follows (skipping pleasantries and other follow-ups).
    anchor: Verdict | None = None
    for prev in reversed(users[-6:-1]):
        pv, pa, _ = _judge(prev, model)
        if pa.social_only:
            continue
        if pa.is_followup and anchor is None:
            continue
        anchor = pv
        break
    if anchor is None or anchor.level.rank <= verdict.level.rank:
        return verdict
    redo = any(t in _REDO for t in a.tokens) or a.tokens[:1] in (["and"], ["y"], ["et"], ["und"], ["e"])
    target_rank = anchor.level.rank if redo else max(verdict.level.rank, anchor.level.rank - 1, 2)
    target_rank = max(target_rank, verdict.level.rank)
    level = TIERS[target_rank]
    lo, hi = TIER_BANDS[anchor.level]
    frac = (anchor.score - lo) / (hi - lo)
    score = _in_band(level, frac if level is anchor.level else 0.5 * frac)
    article = "an" if anchor.level.value[0] in "AEIOU" else "a"
    reasons = (f"follow-up to {article} {anchor.level.value} request",) + tuple(
        r for r in verdict.reasons if r not in _SHORT_REASONS)[:2]
    return Verdict(level, score, reasons)
