"""How hard is a chat request? `classify()` returns a tier, a continuous difficulty score and reasons.

The classifier is pure Python + stdlib. It works in three steps:

1. **Split the ask from the material.** Pasted code (fenced or not), long quotes, data tables and
   long passages are *material*; the sentences that say what to do with them are the *ask*. The ask
   is what gets judged ("summarise this" over 5,000 words is still a summary); the material only
   contributes its size and kind. Work on long inputs is bounded: the ask is cut to a window and the
   material is only measured with C-level string counts.
2. **Features that carry meaning** (`FEATURES`): pleasantries (greetings, thanks, acknowledgements),
   question forms (factoid / how-why / yes-no), task verbs by weight (explain, summarise, translate,
   rewrite < write, design, compare, debug, implement < prove, derive, architect, audit), requested
   length, multi-part structure and constraints, code and requests for code, basic vs advanced math,
   specialist domains with stakes (law, medicine, finance, security, large-scale systems, research),
   personal situation + judgement asks, and the ask-vs-material balance. The lexicons cover English,
   Spanish, French, German and Portuguese.
3. **A small ordinal (cumulative-logit) model** over those features plus a few hashed word
   n-grams gives one latent difficulty `z`; four learned thresholds cut `z` into the five tiers and
   `z` is mapped monotonically into the tier's score band (TRIVIAL [0, .2), SIMPLE [.2, .4),
   MEDIUM [.4, .6), COMPLEX [.6, .8), EXPERT [.8, 1]), so the score orders prompts within and
   across tiers. The weights live in `complexity_weights.json`, written by
   `scripts/train_complexity.py` from `data/complexity-dev.jsonl`.

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
    "greet": """hi, hello, hey, heya, hiya, howdy, yo, greetings, good morning, good afternoon, good evening,
        morning, gm, hola, buenos dias, buenas tardes, buenas noches, buenas, bonjour, bonsoir, salut, coucou,
        hallo, servus, moin, guten morgen, guten tag, guten abend, ola, oi, bom dia, boa tarde, boa noite, ciao,
        happy friday, happy monday, happy holidays, hows it going, how are you, how r u, how are u, whats up, sup,
        anyone there, you there, hello there, nice to meet you, que tal, como estas, como esta, ca va, comment ca va,
        wie gehts, wie geht es dir, tudo bem, como vai""",
    "thanks": """thanks, thank, thx, ty, tysm, tyvm, thankyou, appreciate, appreciated, grateful, cheers, gracias,
        merci, danke, dankeschon, vielen dank, obrigado, obrigada, grazie, much appreciated, muchas gracias""",
    "ack": """ok, okay, okey, k, kk, got it, gotcha, cool, nice, great, perfect, awesome, sounds good, sure, yes, yep,
        yeah, yup, right, exactly, agreed, done, noted, understood, makes sense, will do, no worries, no problem, np,
        all good, fine, alright, lol, haha, lmao, confirmed, that worked, it worked, works now, sorted, go ahead,
        lets go with, option, vale, claro, d accord, daccord, parfait, genial, super, prima, alles klar, certo,
        beleza, entendi, perfeito, de nada, bien, bueno, sehr gut, tres bien, wow, neat, sweet""",
    "bye": """bye, goodbye, see you, see ya, later, gn, good night, goodnight, talk tomorrow, talk soon, take care,
        adios, hasta luego, au revoir, a bientot, tschuss, bis bald, tchau, ate logo, thats all, all for now,
        have a good one, have a nice day""",
    "praise": """youre the best, you are the best, you rock, you guys are great, love it, great job, well done,
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
    "t_transform": """translate, translating, translates, traduce, traduzca, traduis, traduisez, traduire,
        traduza, traduzir, ubersetz*, rewrite, rewrites, rewriting, rephrase, paraphrase, reword, proofread,
        proof read, edit, correct, fix the grammar, grammar, spelling, typos, polish, shorten, shorter,
        more professional, more formal, less formal, more casual, tone, simplify, summarize, summarise,
        summarizing, summarising, sum up, resume, resumir, resuma, resumen, resumez, zusammenfass*, fasse,
        tldr, tl dr, condense, reescrev*, reescrib*, reecri*, reformul*, umschreib*, formell, mais formal,
        plus formel, takeaways, bullet points, bullet point, key points, gist, make this sound, sound more,
        clean up, count, format, sort, convert, reformat, list only, cuenta, compte, zahle, conte""",
    "t_create": """write, draft, create, build, design, develop, compose, generate, produce, make me, prepare,
        plan, construct, set up, craft, come up with, put together, lay out, model, escribe, escriba, escreva,
        escrever, redacta, redacte, redige, redigez, ecris, ecrivez, schreibe, schreib, erstelle, erstellen,
        crea, cree, creez, cria, crie, disena, concois, concevez, entwirf, entwickle, desarrolla, desenvolva,
        elabora, elabore, prepara, prepare""",
    "t_analyze": """compare, comparing, contrast, analyze, analyse, analyzing, analysing, evaluate, evaluating,
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
        pentest, penetration test, differential diagnosis, argue why, stating every assumption""",
    "t_math": """solve, find, calculate, compute, express, simplify, evaluate, determine, factor, factorise,
        factorize, expand, integrate, differentiate, estimate, resuelve, calcula, calcule, calculez, resolvez,
        berechne, lose, resolva, what is the probability, what is the value, how many, find the value""",
    "code_algo": """algorithm, algorithms, time complexity, space complexity, complexity, big o, o n, o 1, o log n,
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
        complete, exhaustive, extensive, step by step, all steps, every step, each step, be specific,
        specific, concrete, precise, be precise, justify, justifiez, justifique, begrunde, nuanced, carefully, at length, long form, every, each,
        be thorough, detallado, detallada, completo, completa, concretos, concretas, concrets, detaille,
        detaillee, ausfuhrlich*, detaill*, detall*, detalh*, detalhado, detalhada, chaque etape, cada paso""",
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
    "math_adv": """theorem, theorems, lemma, proof, proofs, corollary, axiom, axioms, integral, integrals,
        integration, derivative, derivatives, differentiate, differential, limit, limits, converge, converges,
        convergence, diverge, diverges, divergence, series, sequence, sequences, eigenvalue, eigenvalues,
        eigenvector, eigenvectors, matrix, matrices, determinant, vector space, linear algebra, polynomial,
        polynomials, logarithm, modulo, modular, prime, primes, topology, topological, manifold, manifolds,
        homomorphism, isomorphism, isomorphic, group theory, abelian, subgroup, galois, combinatorics,
        combinatorial, permutation, permutations, bijection, injective, surjective, countable, uncountable,
        cardinality, measure theory, lebesgue, stochastic, brownian, martingale, ito, pde, ode, fourier,
        laplace, bayesian, posterior, estimator, covariance, nash equilibrium, game theory, equilibrium,
        convex, np, np hard, np complete, undecidable, decidable, halting problem, turing, complexity class,
        one way functions, real numbers, bounded, monotone, spectral, symmetric matrix, orthogonal, harmonic,
        serie, series de, konvergenz, reihe, beweis, theoreme, teorema, primzahl*, converg*, konverg*, diverg*,
        theorem*, teorem*, numeros primos, nombres premiers, integral*, ableitung, derivee, derivada, matriz,
        matrice, eigenwert*, valeurs propres, autovalor*, induction, recurrence, asymptotic,
        big o, inequality, inequalities, infinitely many, irrational, rational, complex numbers, vectors,
        vertices, graph theory, level k, hilbert, banach, norm, calculus, trigonometry, geometry""",
    "sci_adv": """quantum, entanglement, superposition, relativity, spacetime, cosmology, cosmological, hubble,
        dark matter, dark energy, black hole, black holes, string theory, ads cft, holographic, entropy,
        thermodynamics, statistical mechanics, ryu takayanagi, renormalization, gauge, qft, particle physics,
        higgs, neutrino, genome, genomic, crispr, protein folding, epigenetic, neuroscience, transformers,
        in context learning, gradient descent, backpropagation, reinforcement learning, attention mechanism,
        phylogenetic, spectroscopy, enzyme kinetics, econometric, econometrics, causal inference,
        identification, instrumental variable, difference in differences, confounding, propensity score,
        mixed model, mixed effects, heteroskedasticity, multicollinearity, identification assumptions,
        selection bias, endogeneity, orbital, quantum mechanics, electromagnetism, wave function""",
    "sys_scale": """distributed, scalable, scalability, at scale, high traffic, throughput, latency, p99, p95,
        qps, rps, requests per second, globally, multi region, regions, failover, single point of failure,
        high availability, replication, replica, replicas, sharding, shard, shards, partition, partitions,
        partitioning, consensus, raft, paxos, eventual consistency, consistency, concurrency, concurrent,
        lock free, lockfree, atomic, atomics, memory ordering, memory orderings, race condition, deadlock,
        linearizable, linearizability, caching, cdn, load balancer, rate limiter, rate limiting, kafka,
        consumer, consumers, lag, backpressure, microservices, multi tenant, multitenant, tenants, ingest,
        ingesting, ingestion, streaming, real time, realtime, data warehouse, olap, sub second, terabytes,
        tb, pb, petabytes, millions, million, billion, billions, index, indexes, indices, query plan,
        explain analyze, cpu, bandwidth, cuda, kernel, a100, sparse, vectorization, simd, primary,
        downtime, zero downtime, rollout, roll out, sla, slo, performance, bottleneck, optimize, optimizing,
        optimization, tuning, high traffic application, peak, production, infrastructure, cluster""",
    "security": """security, secure, vulnerability, vulnerabilities, vulnerable, exploit, exploits, attack,
        attacks, attacker, threat, threats, threat model, reentrancy, injection, sql injection, xss, csrf,
        ssrf, rce, authentication, authorization, oauth, oauth2, pkce, jwt, encryption, encrypt,
        cryptography, cryptographic, md5, tls, ssl, pentest, penetration, hardening, cve, secrets, mainnet,
        smart contract, keychain, keystore, biometric, mitigation, mitigations, malware, phishing, breach,
        zero day, privilege escalation, sandbox, firewall, ddos, compliance audit, soc 2, pci""",
    "law": """law, laws, legal, legally, illegal, lawyer, attorney, court, judge, sue, suing, lawsuit,
        litigation, liability, liable, contract, contracts, clause, clauses, tenant, landlord, lease,
        eviction, evict, unlawful detainer, habitability, retaliation, gdpr, ccpa, hipaa, bdsg, dsgvo,
        compliance, compliant, regulation, regulations, regulatory, jurisdiction, statute, copyright,
        trademark, patent, infringement, employer, employment, wrongful termination, rights, works council,
        custody, divorce, visa, immigration, subpoena, warrant, data protection, cloud act, privacy policy,
        terms of service, nda, intellectual property, defamation, negligence, settlement, arbitration,
        legal request, government agency, conflict of law, ley, loi, gesetz, lei, abogado, avocat, anwalt,
        advogado, contrato, contrat, vertrag, derecho, droit, recht, direito""",
    "med": """doctor, doctors, physician, nurse, patient, patients, pt, symptom, symptoms, diagnosis, differential,
        treatment, medication, medications, medicine, drug, drugs, dose, dosage, mg, prescribed, prescription,
        side effects, interaction, interactions, warfarin, ecg, ekg, bp, blood pressure, heart rate, chest pain,
        infection, disease, pregnancy, pregnant, surgery, therapy, ssri, ssris, snri, snris, antidepressant,
        antidepressants, vaccine, vaccines, immune, cancer, tumor, diabetes, insulin, afib, stroke, antibiotic,
        antibiotics, fungal, mri, lab results, blood test, cholesterol, clinical, icu, st elevation, nitrates,
        pharmacist, overdose, deficiency, mental health, depression, anxiety, medico, medecin, arzt, sintomas,
        symptomes, tratamiento, traitement, behandlung, medicamento, medicament""",
    "fin": """tax, taxes, taxed, deduct, deduction, deductions, deductible, irs, s corp, scorp, llc, c corp,
        valuation, dcf, discount rate, terminal value, wacc, term sheet, preferred, participating,
        anti dilution, dilution, cap table, option pool, equity, stock, stocks, shares, portfolio, invest,
        investing, investment, investor, investors, mortgage, loan, loans, interest rate, apr, roi, irr, npv,
        arr, mrr, revenue, margin, margins, ebitda, cash flow, burn, runway, hedge, hedging, derivatives,
        options pricing, black scholes, bond, bonds, yield, retirement, ira, roth, 401k, estate, inheritance,
        accounting, gaap, ifrs, balance sheet, income statement, exit, exits, payout, payouts, pre money,
        post money, series a, vc, escrow, rent or buy, down payment, hoa, impuestos, impots, steuern,
        impostos, inversion, investissement""",
    "research": """research, state of the art, sota, open problem, open problems, open questions, current state,
        current understanding, theoretical understanding, literature, recent work, frontier, cutting edge,
        leading explanations, leading hypotheses, hypotheses, competing theories, unsolved, what is known,
        whats known, be precise about, upcoming observations, discriminate between, implications, paper,
        papers, researchers, theoretical, empirical evidence""",
    "personal": """i, im, ive, id, my, me, we, our, ours, us, mine, mi, mis, mon, ma, mes, nous, notre, mein,
        meine, ich, wir, unser, unsere, meu, minha, nosso, nossa, were, weve, wed""",
    "stakes": """production, prod, mainnet, deploy, deploying, go live, user funds, funds, safe, safely, unsafe,
        risk, risks, risky, dangerous, danger, harm, urgent, emergency, asap, deadline, lawsuit, penalty,
        penalties, fines, consequences, liability, downtime, outage, data loss, breach, critical, high stakes,
        irreversible, before we, we ship, audit risk, audit risks, push back, exposure, liable""",
    "judgement": """should i, should we, what should, what do we do, what do i do, what are my options,
        my options, our options, legal options, advice, expert advice, advise, is it legal, is it safe,
        is this safe, is it dangerous, is this combo, can i, can we, do i need, do we need, whats the risk,
        what are the risks, is it worth, worth it, what would you do, how should, which should, my rights,
        what can i do, who do we need, what to watch, watch for, que dois je, que debo, was soll ich,
        o que devo, is it ok to, safe to, ignore the warning""",
    "expert_word": """expert, experts, advanced, professional advice, senior, specialist, phd, graduate level,
        research level, sophisticated, nontrivial, non trivial, hard, difficult, tricky, complex, complicated,
        experto, experte, expert level, deep expertise""",
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
    total = len(text)
    code_chars = 0
    prose = text
    if "```" in text:
        parts = text.split("```")
        code_parts = parts[1::2]
        code_chars = sum(map(len, code_parts))
        prose = "\n\n".join(parts[0::2])
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
    return ask, material, code_chars


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
    "constraints", "multi_step", "code_terms", "code_ask", "code_algo", "t_math", "word_problem", "proof_ask", "parts", "medium_cue", "complex_cue", "expert_cue", "perf_tuning",
    "math_basic", "math_adv", "sci_adv", "sys_scale", "security", "law", "med", "fin", "research",
    "personal", "stakes", "judgement", "expert_word", "domain_hits", "domain_stakes", "followup", "refer",
)
_F = {n: i for i, n in enumerate(FEATURES)}
NF = len(FEATURES)


class _Analysis:
    """Features of one text plus what the reasons need."""

    __slots__ = ("x", "tokens", "counts", "ask", "material", "code_chars", "n_words", "social_only",
                 "is_followup")

    def __init__(self, x, tokens, counts, ask, material, code_chars, n_words, social_only, is_followup):
        self.x = x
        self.tokens = tokens
        self.counts = counts
        self.ask = ask
        self.material = material
        self.code_chars = code_chars
        self.n_words = n_words
        self.social_only = social_only
        self.is_followup = is_followup


def _count(tokens: list[str]) -> tuple[list[int], int, int]:
    """Category hit counts, number of tokens covered by pleasantries, index of the first non-social token."""
    counts = [0] * len(_CATS)
    social_cover = [False] * len(tokens)
    n = len(tokens)
    for i, t in enumerate(tokens):
        hit = _UNI.get(t)
        if hit:
            for k in hit:
                counts[k] += 1
                if k in _SOCIAL_IDS:
                    social_cover[i] = True
        if len(t) >= 4:
            pres = _PRE.get(t[:4])
            if pres:
                for stem, k in pres:
                    if t.startswith(stem):
                        counts[k] += 1
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
    ask, material, code_chars = split_ask(text)
    folded = _fold(ask)
    tokens = _tokens(folded)
    rx = folded if len(folded) <= _RX_HEAD + _RX_TAIL else folded[:_RX_HEAD] + "\n" + folded[-_RX_TAIL:]
    counts, social_n, first = _count(tokens)
    c = counts
    n = len(tokens)
    x = [0.0] * NF
    content = [t for t in tokens if t not in _STOP and not t.isdigit()]
    n_content = len(content)
    q_marks = ask.count("?")
    first_tok = tokens[first] if first < n else ""
    two = " ".join(tokens[first:first + 2])
    starts_interrog = first_tok in _INTERROG_SET or two in _INTERROG_SET
    is_question = q_marks > 0 or starts_interrog
    verbs = (c[_CAT["t_explain"]] + c[_CAT["t_transform"]] + c[_CAT["t_create"]] + c[_CAT["t_analyze"]]
             + c[_CAT["t_code"]] + c[_CAT["t_expert"]] + c[_CAT["t_math"]])
    request = c[_CAT["request"]] > 0
    social = sum(c[_CAT[s]] for s in _SOCIAL_CATS)
    math_syms = len(_MATHSYM.findall(rx))
    no_request = not is_question and verbs == 0 and not request and math_syms == 0
    non_social_content = max(0, n_content - social_n)
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
    x[_F["short_question"]] = 1.0 if is_question and n <= 12 and not verbs else 0.0
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
    # Rubric cues: one clear sign of a tier is enough to lift a prompt (the model adds evidence linearly;
    # these give it the "any of" the rubric uses).
    has = lambda name: c[_CAT[name]] > 0  # noqa: E731
    x[_F["medium_cue"]] = 1.0 if (has("t_explain") or has("t_transform") or has("how_why")
                                  or (asked and has("deliv_small"))) else 0.0
    x[_F["complex_cue"]] = 1.0 if (x[_F["create_big"]] or x[_F["code_ask"]] or req >= 300
                                   or (has("t_analyze") and (has("tradeoff") or has("depth")))
                                   or (has("t_code") and (code_chars or has("code_terms")))) else 0.0
    perf = c[_CAT["perf_verb"]]
    x[_F["perf_tuning"]] = 1.0 if perf and c[_CAT["sys_scale"]] - perf >= 2 else 0.0
    x[_F["expert_cue"]] = 1.0 if (x[_F["perf_tuning"]] or x[_F["proof_ask"]] or has("research") or x[_F["domain_stakes"]]
                                  or (has("t_expert") and not has("t_transform"))
                                  or (has("expert_word") and (has("sys_scale") or has("security") or has("law")
                                                              or has("med") or has("fin") or has("math_adv")))
                                  or c[_CAT["sys_scale"]] >= 3) else 0.0
    is_followup = (0 < n <= 10 and material < 100 and not social_only
                   and (c[_CAT["followup"]] > 0 or c[_CAT["refer"]] > 0 or tokens[0] in _CONJ
                        or (first < n and tokens[first] in _CONJ)))
    return _Analysis(x, tokens, counts, ask, material, code_chars, n, social_only, is_followup)


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

_PHRASE = {
    "greet": "greeting", "thanks": "thanks", "ack": "acknowledgement", "bye": "farewell", "praise": "praise",
    "no_request": "nothing to answer", "wh_fact": "short factual question", "short_question": "short question",
    "yesno": "yes/no question", "how_why": "how/why question", "t_explain": "asks for an explanation",
    "t_transform": "rewrite, translate or summarise", "t_create": "asks to write or build something",
    "t_analyze": "asks for analysis or comparison", "t_code": "asks to implement, debug or optimise",
    "t_expert": "asks for a proof, derivation or audit", "deliv_small": "short deliverable",
    "deliv_big": "substantial deliverable", "create_big": "substantial document or program",
    "depth": "asks for depth or detail", "tradeoff": "trade-offs or a recommendation",
    "difference": "asks for a difference", "simple_hedge": "asks for a simple or brief answer",
    "constraints": "constraints to satisfy", "multi_step": "multi-part request", "n_commas": "multi-part request",
    "n_task_kinds": "several tasks in one", "code_terms": "about code", "code_ask": "asks for code",
    "has_code": "pasted code", "math_basic": "math word problem", "arith": "simple arithmetic",
    "math_adv": "advanced math", "math_symbols": "math notation", "sci_adv": "specialist science",
    "sys_scale": "large-scale systems or performance", "security": "specialist domain: security",
    "law": "specialist domain: law", "med": "specialist domain: medicine", "fin": "specialist domain: finance",
    "research": "research-level question", "stakes": "high stakes", "judgement": "asks for a judgement call",
    "domain_stakes": "personal situation in a specialist domain", "expert_word": "asks for expert depth",
    "req_len": "long output requested", "req_len_small": "short output requested",
    "len_words": "long, detailed request", "content_words": "long, detailed request",
    "n_numbers": "many quantities", "code_algo": "algorithmic code", "t_math": "math to solve",
    "word_problem": "multi-step word problem", "proof_ask": "asks for a proof or derivation",
    "parts": "several numbered parts",
    "medium_cue": "explain, summarise, rewrite or a short piece", "complex_cue": "substantial task",
    "expert_cue": "specialist depth or high stakes", "perf_tuning": "performance tuning at scale", "big_numbers": "large-scale numbers", "money_pct": "money or percentages",
    "paste_log": "long pasted material", "n_questions": "several questions", "personal": "personal situation",
    "domain_hits": "several specialist domains", "request": "direct request", "is_question": "a question",
    "refer": "refers to earlier content", "followup": "follow-up wording", "emoji": "emoji",
    "social_frac": "mostly pleasantries", "very_short": "very short",
}
_UP_ONLY = {"domain_hits", "n_task_kinds", "len_words", "content_words", "n_commas", "n_sentences", "n_numbers"}


def _reasons(a: _Analysis, contrib: list[float], level: Complexity) -> list[str]:
    out: list[str] = []
    rank = level.rank
    if a.social_only:
        kinds = [p for p in ("greet", "thanks", "ack", "bye", "praise") if a.x[_F[p]] > 0]
        return [_PHRASE[k] for k in kinds[:2]] or ["pleasantry"]
    ranked = sorted(range(NF), key=lambda i: -abs(contrib[i]))
    for i in ranked[:10]:
        name = FEATURES[i]
        v = contrib[i]
        if a.x[i] == 0 or name not in _PHRASE or abs(v) < 0.25 or v < 0 and name in _UP_ONLY:
            continue
        if name in ("len_words", "content_words", "n_commas", "n_sentences") and a.n_words < 40:
            continue
        if (rank >= 2 and v < 0 and name not in ("simple_hedge", "paste_short_ask")) or (rank <= 1 and v > 0 and name in _UP_ONLY):
            continue
        phrase = _PHRASE[name]
        if phrase not in out:
            out.append(phrase)
        if len(out) >= 3:
            break
    if a.material > 400 and rank <= 2:
        out.append("long pasted text with an easy task")
    elif a.material > 400:
        out.append("long pasted material")
    if a.code_chars and "pasted code" not in out:
        out.append("pasted code")
    return out[:4] or [f"{level.value.lower()} request"]


# --------------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------------

def _judge(text: str, model: dict[str, Any]) -> tuple[Verdict, _Analysis, float]:
    if not text or not text.strip():
        return Verdict(Complexity.TRIVIAL, 0.0, ("empty message",)), _analyse(""), -1e9
    a = _analyse(text)
    z, contrib = _latent(a, model)
    level, score = _tier_and_score(z, model["thresholds"], reasoning_load(a.x),
                                   model.get("reasoning_blend", REASONING_BLEND))
    if a.social_only and level.rank > 0:  # pleasantries with nothing to answer
        level, score = Complexity.TRIVIAL, _in_band(Complexity.TRIVIAL, 0.9)
    reasons = _reasons(a, contrib, level)
    floor = _expert_floor(a)
    if floor and level.rank < 4:
        # The rubric names these EXPERT outright: a proof in advanced math, performance tuning of a
        # large system, a judgement call with consequences in law, medicine, finance or security.
        level, score = Complexity.EXPERT, _in_band(Complexity.EXPERT, 0.2 + 0.5 * reasoning_load(a.x))
        reasons = [floor] + [r for r in reasons if r != floor][:2]
    return Verdict(level, score, tuple(reasons)), a, z


def _expert_floor(a: _Analysis) -> str | None:
    x, c = a.x, a.counts
    if x[_F["proof_ask"]]:
        return "asks for a proof or derivation"
    if x[_F["perf_tuning"]]:
        return "performance tuning at scale"
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
    reasons = ("follow-up to a " + anchor.level.value.lower() + " request",) + tuple(
        r for r in verdict.reasons if r != "follow-up wording")[:2]
    return Verdict(level, score, reasons)
